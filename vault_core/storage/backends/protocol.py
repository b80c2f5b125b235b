"""The small protocol a storage backend implements: the file operations the store needs.

Paths are the backend's own (``root`` joined with ``/``), as the underlying filesystem spells
them. Each write has one of three strengths, and the store relies on exactly these:

- :meth:`StorageBackend.open_writer`: a new file under a fresh random name, streamed, durable
  when the context exits cleanly and removed when it does not;
- :meth:`StorageBackend.publish`: a small file created only if absent (the commit point of an
  object or a pack), never seen half-written;
- :meth:`StorageBackend.replace`: a small file replaced atomically (header rotation, repair).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

__all__ = ["FileInfo", "RangeReader", "Sink", "StorageBackend"]

Sink = Callable[[memoryview], object]
"""Takes the next bytes of a file being written."""


@dataclass(frozen=True)
class FileInfo:
    """Size in bytes and modification time (seconds since the epoch) of a stored file."""

    size: int
    modified: float


class RangeReader(Protocol):
    """Random access to one open file, relative to a base offset given when it was opened."""

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` (fewer at the end of the file)."""
        ...

    def readinto(self, start: int, buffer: memoryview) -> int:
        """Fill ``buffer`` from ``start``; the number of bytes read (short at the end)."""
        ...


class StorageBackend(Protocol):
    """Files under one root on one filesystem (a local disk, S3, memory...)."""

    root: str
    """The root folder, without a trailing ``/``."""

    def read(self, path: str) -> bytes:
        """The whole file. Raises FileNotFoundError."""
        ...

    def read_range(self, path: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the file. Raises FileNotFoundError."""
        ...

    def open_reader(self, path: str, base: int = 0) -> AbstractContextManager[RangeReader]:
        """Open the file for many range reads from ``base``. Raises FileNotFoundError."""
        ...

    def open_writer(self, path: str) -> AbstractContextManager[Sink]:
        """Write a new file at ``path`` (a fresh name): durable on exit, removed on error."""
        ...

    def publish(self, path: str, blob: bytes) -> bool:
        """Create ``path`` holding ``blob`` only if absent; False if another writer won."""
        ...

    def replace(self, path: str, blob: bytes) -> None:
        """Replace (or create) ``path`` atomically with ``blob``."""
        ...

    def exists(self, path: str) -> bool:
        """Whether the file exists."""
        ...

    def info(self, path: str) -> FileInfo:
        """Size and modification time. Raises FileNotFoundError."""
        ...

    def touch(self, path: str) -> None:
        """Set the modification time to now where the filesystem allows it (no-op elsewhere).

        Raises FileNotFoundError where it applies and the file is absent.
        """
        ...

    def delete(self, path: str) -> None:
        """Remove the file; nothing happens if it is absent."""
        ...

    def find(self, folder: str) -> Sequence[str]:
        """Every file below ``folder``, recursively, sorted; empty if the folder is absent."""
        ...

    def lock_dir(self, name: str) -> str | None:
        """A local folder ``root/name`` for lock files, or None where there is no local path."""
        ...
