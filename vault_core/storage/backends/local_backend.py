"""Storage backend on a local disk: plain ``os`` calls, durable through ``vault_core.durable``.

Bodies and packs are created exclusively under fresh random names and fsynced with their folder;
headers and pack indexes are published write-once with ``link`` (see :func:`publish_file`);
ranges are read with ``pread`` into the caller's buffer, so the store's whole-object read
decrypts straight from it without a copy per segment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from vault_core.durable import create_exclusive, publish_file, replace_file
from vault_core.storage.backends.protocol import FileInfo, Sink

__all__ = ["LocalBackend"]


class _LocalReader:
    """Range reads of one open file descriptor (positional: no seek, thread-safe)."""

    def __init__(self, fd: int, base: int) -> None:
        self._fd, self._base = fd, base

    def read(self, start: int, end: int) -> bytes:
        buffer = bytearray(max(end - start, 0))
        return bytes(buffer[: self.readinto(start, memoryview(buffer))])

    def readinto(self, start: int, buffer: memoryview) -> int:
        done, size = 0, len(buffer)
        while done < size:  # pread may stop short of a large request before the end of file
            n = os.preadv(self._fd, [buffer[done:]], self._base + start + done)
            if n == 0:
                break
            done += n
        return done


class LocalBackend:
    """Files under ``root`` on a local (POSIX) filesystem."""

    def __init__(self, root: str) -> None:
        """``root``: an absolute path, as fsspec's local filesystem spells it."""
        self.root = root.rstrip("/")

    def read(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def read_range(self, path: str, start: int, end: int) -> bytes:
        with self.open_reader(path) as reader:
            return reader.read(start, end)

    @contextmanager
    def open_reader(self, path: str, base: int = 0) -> Iterator[_LocalReader]:
        fd = os.open(path, os.O_RDONLY)
        try:
            yield _LocalReader(fd, base)
        finally:
            os.close(fd)

    @contextmanager
    def open_writer(self, path: str) -> Iterator[Sink]:
        # The name is a fresh random salt or pack id: exclusive create, no temporary name.
        with create_exclusive(path) as handle:
            yield handle.write

    def publish(self, path: str, blob: bytes) -> bool:
        return publish_file(path, blob)

    def replace(self, path: str, blob: bytes) -> None:
        replace_file(path, blob)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def info(self, path: str) -> FileInfo:
        st = os.stat(path)
        return FileInfo(st.st_size, st.st_mtime)

    def touch(self, path: str) -> None:
        os.utime(path)

    def delete(self, path: str) -> None:
        with suppress(FileNotFoundError):
            os.unlink(path)

    def find(self, folder: str) -> Sequence[str]:
        found = [f"{directory}/{name}" for directory, _, names in os.walk(folder) for name in names]
        found.sort()
        return found

    def lock_dir(self, name: str) -> str | None:
        return f"{self.root}/{name}"
