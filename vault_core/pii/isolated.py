"""A PII engine that detects in a short-lived child process, so that its models never stay in
the caller's memory.

What it is for: the residual-PII check runs the ``full`` engine (spaCy NER, the gazetteer, the
given-name lists: about 400 MB and several CPU-seconds to load) on a few hundred sampled records,
inside the worker that runs the ``patterns``-mode stages. Loaded there, the models raised the
worker's peak RSS by 200-360 MB for the rest of its life; in a child they are freed when the
detection returns. The child runs the same :class:`~vault_core.pii.engine.PiiEngine` with the same
configuration on the same table, so the findings are the same.

The child is a fresh interpreter running this module (``python -c``), not a ``multiprocessing``
process: ``spawn`` would run the caller's ``__main__`` again in the child (a script that runs
a job at top level would run it twice), ``fork`` would copy a threaded process holding keys and
large tables. The table goes in over the child's stdin and the findings come back over its
stdout, pickled: the plaintext never touches the disk. An error in the child is raised again in
the caller with its type and attributes (see :class:`vault_core.exceptions.VaultError`), its
traceback chained as a :class:`ChildTraceback`.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from vault_core.pii.engine import PiiEngine, PiiEngineConfig
from vault_core.pii.exceptions import DetectionError

# The child's entry. Its stdout carries the outcome alone: the descriptor is kept aside and
# stdout goes to stderr before anything is imported (what a library prints must not corrupt the
# outcome). The caller's import path comes first, so the child runs the caller's code.
_CHILD = (
    "import os, sys; out = os.dup(1); os.dup2(2, 1); sys.path[:0] = {paths!r}; "
    "import vault_core.pii.isolated as m; m._serve(out)"
)


class ChildTraceback(Exception):
    """The traceback of an error raised in the child (its text may quote data: never log it,
    seal it)."""


class IsolatedEngine:
    """Detect PII in tables with a :class:`PiiEngine` of ``config`` loaded in a child process
    for each call (worth it for a few large models and a small table, not for a stage)."""

    def __init__(self, config: PiiEngineConfig) -> None:
        self.config = config

    def detect_table(self, table: pa.Table, *, text_columns: Sequence[str]) -> pa.Table:
        """:meth:`PiiEngine.detect_table` of ``table``'s ``text_columns`` (ids in
        ``record_id``), run in a child process.

        Raises:
            PiiError: What the engine raised in the child (same type and attributes).
            DetectionError: If the child ended without a result (killed, out of memory), or
                raised an error that cannot cross the process boundary.
        """
        request = pickle.dumps((self.config.model_dump_json(), table, list(text_columns)))
        code = _CHILD.format(paths=[p for p in sys.path if p])
        # stderr is the caller's: the engine's log records carry no values (a project rule).
        done = subprocess.run(
            [sys.executable, "-c", code], input=request, stdout=subprocess.PIPE, check=False
        )
        if done.returncode != 0 or not done.stdout:
            raise DetectionError(
                f"the PII detection process ended without a result (exit code "
                f"{done.returncode}: killed or out of memory?)"
            )
        try:
            outcome, value, trace = pickle.loads(done.stdout)
        except Exception as exc:  # the child's outcome is its own: anything else is a bug
            raise DetectionError("the PII detection process sent an unreadable result") from exc
        if outcome == "error":
            raise value from ChildTraceback(trace)
        found: pa.Table = value
        return found


def _serve(out: int) -> None:
    """The child's side: read the request from stdin, detect, write the outcome to ``out``
    (the child's original stdout)."""
    config, table, text_columns = pickle.loads(sys.stdin.buffer.read())
    try:
        outcome: tuple[str, Any, str] = ("ok", _detect(config, table, text_columns), "")
    except Exception as exc:
        outcome = ("error", _portable(exc), "".join(traceback.format_exception(exc)))
    with os.fdopen(out, "wb") as stream:
        stream.write(pickle.dumps(outcome))


def _detect(config: str, table: pa.Table, text_columns: list[str]) -> pa.Table:
    engine = PiiEngine(PiiEngineConfig.model_validate_json(config))
    return engine.detect_table(table, text_columns=text_columns)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling; else a :class:`DetectionError` naming its type (its
    message may quote data)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return DetectionError(
            f"PII detection failed in its child process with {type(exc).__name__}"
        )
    return exc
