"""A PII engine that detects in a check child (:mod:`vault_core.child_process`: the process's
shared engine child unless given one), so that its models (spaCy NER, the gazetteer, the
given-name lists: about 500 MB and several CPU-seconds to load) never enter the caller's
memory.

What it is for: the residual-PII check runs the ``full`` engine on a few hundred sampled
records inside a worker that runs the ``patterns``-mode stages. The child runs the same
:class:`~vault_core.pii.engine.PiiEngine` with the same configuration on the same table, so the
findings are the same; it loads an engine once per configuration and keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pyarrow as pa

from vault_core.child_process import ENGINE, ChildProcess, ChildProcessError, shared_child
from vault_core.pii.engine import PiiEngine, PiiEngineConfig
from vault_core.pii.exceptions import DetectionError


class IsolatedEngine:
    """Detect PII in tables with a :class:`PiiEngine` of ``config`` loaded in a child process
    (worth it for large models beside other work, not for a stage's own scan)."""

    def __init__(self, config: PiiEngineConfig, child: ChildProcess | None = None) -> None:
        self.config = config
        self._child = child

    @property
    def child(self) -> ChildProcess:
        """The child it detects in (the process's shared engine child unless given)."""
        return self._child or shared_child(ENGINE)

    def detect_table(self, table: pa.Table, *, text_columns: Sequence[str]) -> pa.Table:
        """:meth:`PiiEngine.detect_table` of ``table``'s ``text_columns`` (ids in
        ``record_id``), run in the child process.

        Raises:
            PiiError: What the engine raised in the child (same type and attributes).
            DetectionError: If the child ended without a result (killed, out of memory), or
                raised an error that cannot cross the process boundary.
        """
        try:
            found: pa.Table = self.child.call(
                "vault_core.pii.isolated:detect_in_child",
                self.config.model_dump_json(),
                table,
                list(text_columns),
            )
        except ChildProcessError as exc:
            raise DetectionError(f"PII detection in a child process failed: {exc}") from exc
        return found

    def load(self) -> None:
        """:meth:`PiiEngine.load` in the child: its models loaded before the first detection.

        Raises:
            PiiError: What loading raised in the child (a model not installed, for instance).
            DetectionError: If the child ended without a result.
        """
        try:
            self.child.call("vault_core.pii.isolated:load_in_child", self.config.model_dump_json())
        except ChildProcessError as exc:
            raise DetectionError(
                f"loading the PII engine in a child process failed: {exc}"
            ) from exc


def detect_in_child(config: str, table: pa.Table, text_columns: list[str]) -> pa.Table:
    """The child's side of :meth:`IsolatedEngine.detect_table`."""
    return _engine(config).detect_table(table, text_columns=text_columns)


def load_in_child(config: str) -> None:
    """The child's side of :meth:`IsolatedEngine.load`."""
    _engine(config).load()


@functools.lru_cache(maxsize=4)
def _engine(config: str) -> PiiEngine:
    return PiiEngine(PiiEngineConfig.model_validate_json(config))
