"""Where a keyring document is kept: a local file or an object in an object store.

``LocalKeyring`` reads and replaces one small JSON document. On a local disk, writers take an
``flock`` and replace the file atomically (fsynced); in an object store (``s3://``) there is no
lock, so every replacement is conditional on the version read (``If-Match`` on the ETag;
``If-None-Match: *`` to create) and a writer that lost the race re-reads and tries again.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import fsspec
from fsspec.implementations.local import LocalFileSystem

from vault_core.durable import replace_file
from vault_core.storage_options import StorageOptions, fsspec_options

__all__ = ["KeyringFile", "WriteConflictError", "keyring_file"]

Signature = tuple[object, ...]
"""What identifies one version of the document (inode and mtime, or an ETag)."""


class WriteConflictError(Exception):
    """Another writer replaced the document since it was read: read again and retry."""


class KeyringFile(Protocol):
    """One keyring document: read it with its signature, replace it if unchanged since."""

    location: str
    """The file path or URL (for messages)."""

    def exists(self) -> bool:
        """Whether the document exists."""
        ...

    def signature(self) -> Signature | None:
        """The signature of the stored version (cheap: no content read), None if absent."""
        ...

    def read(self) -> tuple[bytes, Signature]:
        """The document and its signature. Raises FileNotFoundError if absent."""
        ...

    def write(self, data: bytes, expected: Signature | None) -> None:
        """Replace the document, which must still be at ``expected`` (None: must be absent).

        Raises:
            WriteConflictError: Another writer got there first.
        """
        ...

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Held around read-modify-write (an exclusive lock where the store has one)."""
        ...

    def sibling(self, *parts: str) -> KeyringFile:
        """Another document relative to this one's folder (tenant keyrings)."""
        ...


def keyring_file(
    location: str | os.PathLike[str], storage_options: StorageOptions | None = None
) -> KeyringFile:
    """The keyring document at a local path or an fsspec URL."""
    text = os.fspath(location)
    if "://" not in text or text.startswith("file://"):
        return LocalKeyringFile(text.removeprefix("file://"))
    fs, path = fsspec.core.url_to_fs(text, **fsspec_options(storage_options))
    if isinstance(fs, LocalFileSystem):
        return LocalKeyringFile(path)
    return ObjectKeyringFile(text, storage_options)


class LocalKeyringFile:
    """A file on a local disk: ``flock`` on ``<path>.lock``, atomic fsynced replacement."""

    def __init__(self, path: str) -> None:
        self.location = os.path.abspath(path)
        self._lock_path = self.location + ".lock"

    def exists(self) -> bool:
        return os.path.exists(self.location)

    def signature(self) -> Signature | None:
        try:
            st = os.stat(self.location)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self) -> tuple[bytes, Signature]:
        with open(self.location, "rb") as handle:
            st = os.fstat(handle.fileno())
            return handle.read(), (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)

    def write(self, data: bytes, expected: Signature | None) -> None:
        # The caller holds ``locked()``: no other writer can have moved the file.
        replace_file(self.location, data, dir_mode=0o700)

    @contextmanager
    def locked(self) -> Iterator[None]:
        # flock (per open file description) serialises other instances and processes.
        os.makedirs(os.path.dirname(self.location), mode=0o700, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def sibling(self, *parts: str) -> KeyringFile:
        return LocalKeyringFile(os.path.join(os.path.dirname(self.location), *parts))


class ObjectKeyringFile:
    """An object in an object store, replaced with conditional puts (S3 ``If-Match``)."""

    def __init__(self, url: str, storage_options: StorageOptions | None) -> None:
        self.location = url
        self._options = storage_options
        self._fs, self._path = fsspec.core.url_to_fs(url, **fsspec_options(storage_options))
        self._mutex = threading.Lock()
        protocols = (
            (self._fs.protocol,) if isinstance(self._fs.protocol, str) else self._fs.protocol
        )
        self._conditional = "s3" in protocols

    def exists(self) -> bool:
        return self.signature() is not None

    def signature(self) -> Signature | None:
        try:
            info: dict[str, Any] = self._fs.info(self._path, refresh=True)
        except FileNotFoundError:
            return None
        return (str(info.get("ETag") or info.get("etag") or ""), info.get("size"))

    def read(self) -> tuple[bytes, Signature]:
        # The signature is taken before the body: a replacement in between makes it stale,
        # and a stale signature only costs a retry (the conditional put refuses it).
        signature = self.signature()
        if signature is None:
            raise FileNotFoundError(self.location)
        return self._fs.cat_file(self._path), signature

    def write(self, data: bytes, expected: Signature | None) -> None:
        if not self._conditional:
            # Stores without conditional puts (memory://): check, then put. Safe between the
            # threads of this process only.
            if self.signature() != expected:
                raise WriteConflictError(self.location)
            self._fs.pipe_file(self._path, data)
            self._fs.invalidate_cache(self._path)
            return
        condition: dict[str, Any] = {"mode": "create"} if expected is None else {}
        if expected is not None:
            condition["IfMatch"] = expected[0]
        try:
            self._fs.pipe_file(self._path, data, **condition)
        except OSError as exc:  # s3fs: FileExistsError on create, EINVAL on If-Match
            if self.signature() != expected:
                raise WriteConflictError(self.location) from exc
            raise
        finally:
            self._fs.invalidate_cache(self._path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        # No lock across machines: writes are conditional instead (see ``write``).
        with self._mutex:
            yield

    def sibling(self, *parts: str) -> KeyringFile:
        return ObjectKeyringFile("/".join([self.location.rsplit("/", 1)[0], *parts]), self._options)
