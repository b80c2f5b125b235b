"""A PII engine that detects in a child process, so that its models never enter the caller's
memory.

What it is for: the residual-PII check runs the ``full`` engine (spaCy NER, the gazetteer, the
given-name lists: about 400 MB and several CPU-seconds to load) on a few hundred sampled records,
inside the worker that runs the ``patterns``-mode stages. Loaded there, the models raised the
worker's peak RSS by 200-360 MB beside the stages' batches. In a child they take their own
memory, of fixed size whatever the data. The child runs the same
:class:`~vault_core.pii.engine.PiiEngine` with the same configuration on the same table, so the
findings are the same.

One child serves every call of an :class:`IsolatedEngine` for the caller's life: started at the
first call, it loads the engine once, like the in-process engine it replaces (a child per call
paid 5-8 CPU-seconds of interpreter start and model load per checked run: as much as a stage's
work on a 100 MB partition). It ends when the caller closes the engine or exits (its stdin
closes), and a dead child is started again at the next call.

The child is a fresh interpreter running this module (``python -c``), not a ``multiprocessing``
process: ``spawn`` would run the caller's ``__main__`` again in the child (a script that runs
a job at top level would run it twice), ``fork`` would copy a threaded process holding keys and
large tables. Tables go in over the child's stdin and findings come back over its stdout, as
length-prefixed pickles: the plaintext never touches the disk. An error in the child is raised
again in the caller with its type and attributes (see :class:`vault_core.exceptions.VaultError`),
its traceback chained as a :class:`ChildTraceback`.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback
import weakref
from collections.abc import Sequence
from typing import IO, Any

import pyarrow as pa

from vault_core.pii.engine import PiiEngineConfig
from vault_core.pii.exceptions import DetectionError

# The child's entry. Its stdout carries the outcomes alone: the descriptor is kept aside and
# stdout goes to stderr before anything is imported (what a library prints must not corrupt an
# outcome). The caller's import path comes first, so the child runs the caller's code.
_CHILD = (
    "import os, sys; out = os.dup(1); os.dup2(2, 1); sys.path[:0] = {paths!r}; "
    "import vault_core.pii.isolated as m; m._serve(out)"
)


class ChildTraceback(Exception):
    """The traceback of an error raised in the child (its text may quote data: never log it,
    seal it)."""


class IsolatedEngine:
    """Detect PII in tables with a :class:`PiiEngine` of ``config`` loaded once in a child
    process (worth it for large models beside other work, not for a stage's own scan)."""

    def __init__(self, config: PiiEngineConfig) -> None:
        self.config = config
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._ending: weakref.finalize[[subprocess.Popen[bytes]], IsolatedEngine] | None = None

    def detect_table(self, table: pa.Table, *, text_columns: Sequence[str]) -> pa.Table:
        """:meth:`PiiEngine.detect_table` of ``table``'s ``text_columns`` (ids in
        ``record_id``), run in the child process.

        Raises:
            PiiError: What the engine raised in the child (same type and attributes).
            DetectionError: If the child ended without a result (killed, out of memory), or
                raised an error that cannot cross the process boundary.
        """
        request = pickle.dumps((table, list(text_columns)))
        with self._lock:
            child = self._started()
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                _write_frame(child.stdin, request)
                reply = _read_frame(child.stdout)
            except (BrokenPipeError, EOFError):
                reply = None
            if reply is None:
                self._stop()
                raise DetectionError(
                    f"the PII detection process ended without a result (exit code "
                    f"{child.poll()}: killed or out of memory?)"
                )
        try:
            outcome, value, trace = pickle.loads(reply)
        except Exception as exc:  # the child's outcome is its own: anything else is a bug
            raise DetectionError("the PII detection process sent an unreadable result") from exc
        if outcome == "error":
            raise value from ChildTraceback(trace)
        found: pa.Table = value
        return found

    def close(self) -> None:
        """End the child (a later call starts a new one)."""
        with self._lock:
            self._stop()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            code = _CHILD.format(paths=[p for p in sys.path if p])
            # stderr is the caller's: the engine's log records carry no values (a project rule).
            self._child = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            # Ended with this object or at the caller's exit, whichever comes first.
            self._ending = weakref.finalize(self, _end, self._child)
            assert self._child.stdin is not None
            _write_frame(self._child.stdin, self.config.model_dump_json().encode("utf-8"))
        return self._child

    def _stop(self) -> None:
        self._child = None
        if self._ending is not None:
            self._ending()
            self._ending = None


def _end(child: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (it then exits) and reap it."""
    if child.stdin is not None:
        child.stdin.close()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if child.stdout is not None:
        child.stdout.close()


_LENGTH = struct.Struct("<Q")


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at the end of the stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return payload


def _serve(out_fd: int) -> None:
    """The child's side: the engine's configuration, then requests until stdin closes; the
    outcomes go to ``out_fd`` (the child's original stdout)."""
    out = os.fdopen(out_fd, "wb")
    source = sys.stdin.buffer
    config = _read_frame(source)
    if config is None:
        return
    from vault_core.pii.engine import PiiEngine

    engine = PiiEngine(PiiEngineConfig.model_validate_json(config))
    while (request := _read_frame(source)) is not None:
        table, text_columns = pickle.loads(request)
        try:
            outcome: tuple[str, Any, str] = (
                "ok",
                engine.detect_table(table, text_columns=text_columns),
                "",
            )
        except Exception as exc:
            outcome = ("error", _portable(exc), "".join(traceback.format_exception(exc)))
        _write_frame(out, pickle.dumps(outcome))


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
