"""Per-scope sealing locks: puts seal under a shared lock, rotation switches keys under an
exclusive one, so no object sealed under an old key version is published after a rotation pass
started (see ``rotation.rotate_scope``).

Local stores use ``fcntl.flock`` on ``<root>/locks/<scope digest>.lock`` and ``.gate`` (threads
and processes alike); other filesystems (S3, memory) use an in-process reader-writer lock, so
there rotation is serialised with sealing only within one process: run it when no other process
ingests (``destroy`` still refuses a version some header names).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import blake3

__all__ = ["ScopeLocks"]


class _ReadWriteLock:
    """Many shared holders or one exclusive holder (in-process)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._writer = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


_PROCESS_LOCKS: dict[tuple[str, str], _ReadWriteLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


class ScopeLocks:
    """Shared (sealing) and exclusive (key switch) locks per scope of one store."""

    def __init__(self, root_url: str, local_dir: str | None) -> None:
        """``local_dir``: the folder of lock files for a local store, else None (in-process)."""
        self._root_url = root_url
        self._dir = local_dir

    @contextmanager
    def shared(self, scope: str) -> Iterator[None]:
        """Held while an object of ``scope`` is sealed, from its key id to its publication."""
        if self._dir is None:
            with self._process_lock(scope).shared():
                yield
        else:
            with self._flock(scope, fcntl.LOCK_SH):
                yield

    @contextmanager
    def exclusive(self, scope: str) -> Iterator[None]:
        """Held while the key version of ``scope`` changes: waits for puts in flight."""
        if self._dir is None:
            with self._process_lock(scope).exclusive():
                yield
        else:
            with self._flock(scope, fcntl.LOCK_EX):
                yield

    def _process_lock(self, scope: str) -> _ReadWriteLock:
        with _PROCESS_LOCKS_GUARD:
            return _PROCESS_LOCKS.setdefault((self._root_url, scope), _ReadWriteLock())

    @contextmanager
    def _flock(self, scope: str, operation: int) -> Iterator[None]:
        assert self._dir is not None
        os.makedirs(self._dir, mode=0o700, exist_ok=True)
        # A digest, not the scope: a dataset name never becomes a path.
        name = os.path.join(self._dir, blake3.blake3(scope.encode("utf-8")).hexdigest()[:32])
        # flock has no writer preference: a steady stream of overlapping puts would starve the
        # key switch. A gate taken briefly by puts and held by the switch lets it through.
        gate = os.open(name + ".gate", os.O_RDWR | os.O_CREAT, 0o600)
        fd = os.open(name + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(gate, operation)
            if operation == fcntl.LOCK_SH:
                fcntl.flock(fd, operation)
                fcntl.flock(gate, fcntl.LOCK_UN)
            else:
                fcntl.flock(fd, operation)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_UN)
            os.close(fd)
            os.close(gate)
