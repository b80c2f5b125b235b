"""A PII engine that detects in a short-lived child process, so that its models never stay in
the caller's memory.

What it is for: the residual-PII check runs the ``full`` engine (spaCy NER, the gazetteer, the
given-name lists: about 400 MB and several CPU-seconds to load) on a few hundred sampled records,
inside the worker that runs the ``patterns``-mode stages. Loaded there, the models raised the
worker's peak RSS by 200-360 MB for the rest of its life; in a child they are freed when the
detection returns. The child runs the same :class:`~vault_core.pii.engine.PiiEngine` with the same
configuration on the same table, so the findings are the same.

The child is started with ``spawn`` (never ``fork``: the caller may hold threads, keys and large
tables) and a fresh one per call. The table goes in and the findings come back over the pipes of
:class:`concurrent.futures.ProcessPoolExecutor`: the plaintext never touches the disk. An error
in the child is raised again in the caller with its type (vault errors pickle with their
attributes, see :class:`vault_core.exceptions.VaultError`).
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pyarrow as pa

from vault_core.pii.engine import PiiEngine, PiiEngineConfig
from vault_core.pii.exceptions import DetectionError


class IsolatedEngine:
    """Detect PII in tables with a :class:`PiiEngine` of ``config`` loaded in a child process
    for each call (worth it for a few large models and a small table, not for a stage)."""

    def __init__(self, config: PiiEngineConfig) -> None:
        self.config = config

    def detect_table(self, table: pa.Table, *, text_columns: Sequence[str]) -> pa.Table:
        """:meth:`PiiEngine.detect_table` of ``table``'s ``text_columns`` (ids in
        ``record_id``), run in a child process.

        Raises:
            PiiError: What the engine raised in the child (same type and message).
            DetectionError: If the child ended without a result (killed, out of memory), or
                raised an error that cannot cross the process boundary.
        """
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(
                _detect_table, self.config.model_dump_json(), table, list(text_columns)
            )
            try:
                return future.result()
            except BrokenProcessPool as exc:
                raise DetectionError(
                    "the PII detection process ended without a result (killed or out of "
                    "memory?); see the worker's system log"
                ) from exc


def _detect_table(config: str, table: pa.Table, text_columns: list[str]) -> pa.Table:
    """The child's side: load the engine, detect, hand the findings back."""
    try:
        engine = PiiEngine(PiiEngineConfig.model_validate_json(config))
        return engine.detect_table(table, text_columns=text_columns)
    except Exception as exc:
        if _crosses_processes(exc):
            raise
        # Unpickling it in the caller would break the pool and hide the error's type. Its
        # message may quote data: the type only (the cause travels as the remote traceback).
        raise DetectionError(
            f"PII detection failed in its child process with {type(exc).__name__}"
        ) from exc


def _crosses_processes(exc: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True
