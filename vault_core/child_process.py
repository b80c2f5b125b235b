"""A long-lived child interpreter that runs heavy checks for the process that started it, so
that their libraries and working sets never enter the caller's memory.

What it is for: a worker that runs the ``patterns``-mode stages also runs the blocking checks
of ``<ds>/anonymized``. The residual-PII check's ``full`` engine (spaCy NER, the gazetteer, the
given-name lists: about 500 MB and several CPU-seconds to load) and the expectation suites
(Great Expectations: about 150 MB to import, and a pandas frame of the whole partition with
its metric caches) raised the worker's peak RSS by several hundred MB beside the stages'
batches. In the child they take memory of their own, of fixed size whatever the data; the
child runs the same functions on the same tables, so the results are the same.

One child serves every call of its :class:`ChildProcess` for the caller's life, so what it
loads is loaded once, as it was in-process (a child per call paid 5-8 CPU-seconds of interpreter
start and model load per checked run). It ends when the caller closes it or exits (its stdin
closes); a dead child is started again at the next call. Only functions of ``vault_core`` can be
called in it.

A process has one shared child per role (:func:`shared_child`): the expectation suites'
(:data:`SUITES`) and the residual engine's (:data:`ENGINE`). Two, not one, so that their loads
(Great Expectations' import and the full engine's models, ~3 s each) run side by side on two
cores: in one child they ran one after the other, and a run of one small partition waited for
both (5.4 of its 7.1 s of step time on the scale benchmark's 1% append).

The child is a fresh interpreter (``python -c``), not a ``multiprocessing`` process: ``spawn``
would run the caller's ``__main__`` again in the child (a script that runs a job at top level
would run it twice), ``fork`` would copy a threaded process holding keys and large tables.
Arguments go in over the child's stdin and results come back over its stdout, as
length-prefixed pickles: the data never touches the disk. An error in the child is raised again
in the caller with its type and attributes (see :class:`vault_core.exceptions.VaultError`), its
traceback chained as a :class:`ChildTraceback`.
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback
import weakref
from typing import IO, Any

from vault_core.exceptions import VaultError

# The child's entry. Its stdout carries the outcomes alone: the descriptor is kept aside and
# stdout goes to stderr before anything is imported (what a library prints must not corrupt an
# outcome). The caller's import path comes first, so the child runs the caller's code.
_CHILD = (
    "import os, sys; out = os.dup(1); os.dup2(2, 1); sys.path[:0] = {paths!r}; "
    "import vault_core.child_process as m; m._serve(out)"
)


class ChildProcessError(VaultError):
    """The child ended without a result (killed, out of memory), sent an unreadable one, or
    raised an error that cannot cross the process boundary."""


class ChildTraceback(Exception):
    """The traceback of an error raised in the child (its text may quote data: never log it,
    seal it)."""


class ChildProcess:
    """Call ``vault_core`` functions in one long-lived child interpreter (thread-safe: calls
    take turns)."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._ending: weakref.finalize[[subprocess.Popen[bytes]], ChildProcess] | None = None

    def call(self, function: str, *args: Any) -> Any:
        """``function(*args)`` in the child; ``function`` is ``"vault_core.module:name"``.

        Raises:
            VaultError: What the function raised in the child (same type and attributes).
            ChildProcessError: If the child ended without a result or sent an unreadable one.
        """
        if not function.startswith("vault_core."):
            raise ValueError(f"only vault_core functions run in the child, not {function!r}")
        with self._lock:
            child = self._started()
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                _send(child.stdin, (function, args))
                reply = _receive(child.stdout)
            except (BrokenPipeError, EOFError):
                reply = None
            except pickle.UnpicklingError as exc:
                self._stop()
                raise ChildProcessError("the check process sent an unreadable result") from exc
            if reply is _END:
                self._stop()
                raise ChildProcessError(
                    f"the check process ended without a result (exit code {child.poll()}: "
                    "killed or out of memory?)"
                )
        try:
            outcome, value, trace = reply
        except Exception as exc:  # the child's outcome is its own: anything else is a bug
            raise ChildProcessError("the check process sent an unreadable result") from exc
        if outcome == "error":
            raise value from ChildTraceback(trace)
        return value

    @property
    def pid(self) -> int | None:
        """The running child's process id (None: not started, or ended)."""
        child = self._child
        return child.pid if child is not None and child.poll() is None else None

    def close(self) -> None:
        """End the child (a later call starts a new one)."""
        with self._lock:
            self._stop()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            code = _CHILD.format(paths=[p for p in sys.path if p])
            # stderr is the caller's: what runs in the child logs no values (a project rule).
            self._child = subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            # Ended with this object or at the caller's exit, whichever comes first.
            self._ending = weakref.finalize(self, _end, self._child)
        return self._child

    def _stop(self) -> None:
        self._child = None
        if self._ending is not None:
            self._ending()
            self._ending = None


SUITES = "suites"
"""The role of the child that runs the expectation suites (Great Expectations)."""
ENGINE = "engine"
"""The role of the child that runs the residual check's full engine."""
_shared: dict[str, ChildProcess] = {}
_shared_lock = threading.Lock()


def shared_child(role: str = SUITES) -> ChildProcess:
    """The process's check child for ``role`` (started at its first call)."""
    with _shared_lock:
        if role not in _shared:
            _shared[role] = ChildProcess()
        return _shared[role]


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
_END = object()
"""What :func:`_receive` returns at the end of the stream."""


def _send(stream: IO[bytes], message: Any) -> None:
    """Write ``message`` as pickle protocol 5 with its buffers out of band: an Arrow table's
    buffers go to the pipe from where they are, never copied into one pickled bytes object
    (which doubled a partition's memory while it was sent)."""
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    stream.write(_LENGTH.pack(len(buffers)))
    for payload in (memoryview(head), *(b.raw() for b in buffers)):
        stream.write(_LENGTH.pack(payload.nbytes))
        stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or :data:`_END` at the end of the stream."""
    count = _read_exactly(stream, _LENGTH.size)
    if count is None:
        return _END
    parts = []
    for _ in range(_LENGTH.unpack(count)[0] + 1):
        size = _read_exactly(stream, _LENGTH.size)
        payload = None if size is None else _read_exactly(stream, _LENGTH.unpack(size)[0])
        if payload is None:
            return _END
        parts.append(payload)
    return pickle.loads(parts[0], buffers=parts[1:])


def _read_exactly(stream: IO[bytes], size: int) -> bytearray | None:
    """``size`` bytes read into one buffer (None: the stream ended first)."""
    data = bytearray(size)
    view, done = memoryview(data), 0
    while done < size:
        read = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not read:
            return None
        done += read
    return data


def _serve(out_fd: int) -> None:
    """The child's side: requests until stdin closes; outcomes to ``out_fd`` (the child's
    original stdout)."""
    out = os.fdopen(out_fd, "wb")
    source = sys.stdin.buffer
    while (request := _receive(source)) is not _END:
        # Nothing holds a request's arguments (a partition's table) once its outcome is sent:
        # kept by the loop's variables until the next request was read, a partition stayed in
        # memory beside the next one (a raised error's traceback holds the call's frames too).
        _send(out, _outcome(*request))
        del request


def _outcome(function: str, args: tuple[Any, ...]) -> tuple[str, Any, str]:
    """``("ok", value, "")`` or ``("error", exception, traceback text)`` of one request."""
    try:
        module, name = function.split(":")
        return ("ok", getattr(importlib.import_module(module), name)(*args), "")
    except Exception as exc:
        # The error is sent without its traceback (the frames and the arguments they hold end
        # with this call): the text goes beside it.
        text = "".join(traceback.format_exception(exc))
        return ("error", _portable(exc.with_traceback(None)), text)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling; else a :class:`ChildProcessError` naming its type (its
    message may quote data)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return ChildProcessError(f"the check failed in its child process with {type(exc).__name__}")
    return exc
