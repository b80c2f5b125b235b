"""Storage backend on any fsspec filesystem (S3 through s3fs, memory://, ...).

Object stores have no rename and no fsync: a file is durable once its put returns, and a put
replaces an object atomically. Write-once publication uses S3's conditional write
(``If-None-Match: *``, s3fs ``mode="create"``) where the filesystem is S3; elsewhere it checks,
then puts, so a racing writer in another process may replace a header, but only with another
valid sealing of the same content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from vault_core.storage.backends.protocol import FileInfo, Sink

__all__ = ["FsspecBackend"]


class _FsspecReader:
    """Range reads of one file, one ranged request each."""

    def __init__(self, fs: Any, path: str, base: int) -> None:
        self._fs, self._path, self._base = fs, path, base

    def read(self, start: int, end: int) -> bytes:
        data: bytes = self._fs.cat_file(self._path, start=self._base + start, end=self._base + end)
        return data

    def readinto(self, start: int, buffer: memoryview) -> int:
        data = self.read(start, start + len(buffer))
        buffer[: len(data)] = data
        return len(data)


class FsspecBackend:
    """Files under ``root`` on an fsspec filesystem."""

    def __init__(self, fs: Any, root: str) -> None:
        """``fs``: the filesystem instance; ``root``: the path under it, without protocol."""
        self.fs = fs
        self.root = root.rstrip("/")
        protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
        self._conditional = "s3" in protocols

    def read(self, path: str) -> bytes:
        data: bytes = self.fs.cat_file(path)
        return data

    def read_range(self, path: str, start: int, end: int) -> bytes:
        data: bytes = self.fs.cat_file(path, start=start, end=end)
        return data

    @contextmanager
    def open_reader(self, path: str, base: int = 0) -> Iterator[_FsspecReader]:
        yield _FsspecReader(self.fs, path, base)

    @contextmanager
    def open_writer(self, path: str) -> Iterator[Sink]:
        handle = self.fs.open(path, "wb")
        try:
            try:
                yield handle.write
            finally:
                handle.close()  # uploads the last part: may fail too
        except BaseException:
            with suppress(FileNotFoundError, OSError):
                self.fs.rm_file(path)
            raise

    def publish(self, path: str, blob: bytes) -> bool:
        if self._conditional:
            try:
                self.fs.pipe_file(path, blob, mode="create")
            except (FileExistsError, OSError):
                if self.fs.exists(path):
                    return False
                raise
            return True
        if self.fs.exists(path):
            return False
        self.fs.pipe_file(path, blob)
        return True

    def replace(self, path: str, blob: bytes) -> None:
        self.fs.pipe_file(path, blob)

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(path))

    def info(self, path: str) -> FileInfo:
        info = self.fs.info(path)
        return FileInfo(int(info.get("size") or 0), _mtime(info))

    def touch(self, path: str) -> None:
        """No-op: object stores set the time only by writing (a dedup hit is not a write)."""

    def delete(self, path: str) -> None:
        with suppress(FileNotFoundError):
            self.fs.rm_file(path)

    def find(self, folder: str) -> Sequence[str]:
        try:
            return sorted(self.fs.find(folder))
        except FileNotFoundError:
            return []

    def lock_dir(self, name: str) -> str | None:
        return None


def _mtime(info: dict[str, Any]) -> float:
    for field in ("mtime", "LastModified", "created"):
        value = info.get(field)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        return float(value)
    return 0.0
