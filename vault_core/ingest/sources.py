"""List and read the landing files of a dataset through fsspec (local, memory, S3...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import blake3
import fsspec

from vault_core.digest import DIGEST_PREFIX
from vault_core.ingest.exceptions import SourceNotFoundError, SourceUnavailableError
from vault_core.storage_options import fsspec_options


@dataclass(frozen=True)
class SourceFile:
    """One landing file as read: its URL, size and content digest (for provenance)."""

    url: str
    size: int
    digest: str


def _url(fs: Any, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else str(fs.unstrip_protocol(path))


@dataclass(frozen=True)
class SourcePath:
    """A landing file found by listing: where it is and how errors name it."""

    fs: Any
    path: str
    url: str
    label: str
    """The source URL or glob it matched, or its position among the sources listed one by one:
    a file path can be data (a file named after a customer), so errors do not quote one."""


def list_source_paths(
    sources: Sequence[str], storage_options: dict[str, Any] | None = None
) -> list[SourcePath]:
    """Every file matching each source (a URL or glob), each glob's files sorted, no repeats.

    Raises:
        SourceNotFoundError: a source matches nothing.
        SourceUnavailableError: the storage cannot be listed.
    """
    found: dict[str, SourcePath] = {}
    for index, source in enumerate(sources):
        label = source if len(sources) == 1 else f"source {index + 1} of {len(sources)}"
        try:
            fs, path = fsspec.core.url_to_fs(source, **fsspec_options(storage_options))
            has_magic = any(char in path for char in "*?[")
            label = source if has_magic else label
            paths = sorted(fs.glob(path)) if has_magic else ([path] if fs.exists(path) else [])
            paths = [p for p in paths if not fs.isdir(p)]
        except (OSError, ValueError) as exc:
            raise SourceUnavailableError(label, type(exc).__name__) from exc
        if not paths:
            raise SourceNotFoundError(label)
        for file_path in paths:
            url = _url(fs, file_path)
            found.setdefault(url, SourcePath(fs, file_path, url, label))
    return list(found.values())


def open_source(source: SourcePath) -> BinaryIO:
    """Open a landing file for reading as a stream.

    Raises:
        SourceUnavailableError: it cannot be opened.
    """
    try:
        handle: BinaryIO = source.fs.open(source.path, "rb")
    except OSError as exc:
        raise SourceUnavailableError(source.label, f"{type(exc).__name__} opening a file") from exc
    return handle


def read_digest(source: SourcePath, chunk_size: int) -> SourceFile:
    """Size and BLAKE3 digest of a landing file, read once from start to end in chunks.

    Raises:
        SourceUnavailableError: it cannot be read.
    """
    hasher, size = blake3.blake3(), 0
    with open_source(source) as handle:
        try:
            while chunk := handle.read(chunk_size):
                hasher.update(chunk)
                size += len(chunk)
        except OSError as exc:
            detail = f"{type(exc).__name__} reading a file"
            raise SourceUnavailableError(source.label, detail) from exc
    return SourceFile(source.url, size, DIGEST_PREFIX + hasher.hexdigest())


class DigestingReader:
    """A landing file's handle that hashes what is read while reads go from start to end.

    Text formats read each file once in order, so the digest costs no second read; a reader
    that seeks (Parquet) leaves :meth:`finish` to read the file again. A storage error is kept
    in :attr:`error`, so the caller can tell it from a file its parser cannot read.
    """

    def __init__(self, source: SourcePath, handle: BinaryIO) -> None:
        self.source = source
        self.error: OSError | None = None
        self._handle = handle
        self._hasher = blake3.blake3()
        self._hashed = 0  # bytes hashed, all from the start of the file
        self._in_order = True

    def read(self, size: int = -1) -> bytes:
        """Read like the handle; a storage error is kept and raised again."""
        try:
            position = self._handle.tell()
            data: bytes = self._handle.read(size)
        except OSError as exc:
            self.error = exc
            raise
        if self._in_order and position == self._hashed:
            self._hasher.update(data)
            self._hashed += len(data)
        elif position + len(data) > self._hashed:
            self._in_order = False
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move like the handle (a read elsewhere than the hashed end stops the hashing)."""
        try:
            return int(self._handle.seek(offset, whence))
        except OSError as exc:
            self.error = exc
            raise

    def tell(self) -> int:
        """Position in the file."""
        return int(self._handle.tell())

    @property
    def closed(self) -> bool:
        """Whether the handle is closed."""
        return bool(self._handle.closed)

    def finish(self, chunk_size: int) -> SourceFile:
        """The file's size and digest: the rest is read in order, or the whole file again.

        Raises:
            SourceUnavailableError: the file cannot be read.
        """
        if not self._in_order:
            return read_digest(self.source, chunk_size)
        try:
            self._handle.seek(self._hashed)
            while chunk := self._handle.read(chunk_size):
                self._hasher.update(chunk)
                self._hashed += len(chunk)
        except OSError as exc:
            detail = f"{type(exc).__name__} reading a file"
            raise SourceUnavailableError(self.source.label, detail) from exc
        return SourceFile(self.source.url, self._hashed, DIGEST_PREFIX + self._hasher.hexdigest())
