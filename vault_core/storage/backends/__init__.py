"""Storage backends of the content-addressed store, behind one small protocol.

:func:`open_backend` picks :class:`LocalBackend` for local paths and ``file://`` URLs and
:class:`FsspecBackend` for every other fsspec URL (``s3://``, ``memory://``...).
"""

from __future__ import annotations

from typing import Any

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from vault_core.storage.backends.fsspec_backend import FsspecBackend as FsspecBackend
from vault_core.storage.backends.local_backend import LocalBackend as LocalBackend
from vault_core.storage.backends.protocol import FileInfo as FileInfo
from vault_core.storage.backends.protocol import RangeReader as RangeReader
from vault_core.storage.backends.protocol import Sink as Sink
from vault_core.storage.backends.protocol import StorageBackend as StorageBackend
from vault_core.storage_options import fsspec_options

__all__ = [
    "FileInfo",
    "FsspecBackend",
    "LocalBackend",
    "RangeReader",
    "Sink",
    "StorageBackend",
    "open_backend",
    "replace_at",
]


def open_backend(url: str, storage_options: dict[str, Any] | None = None) -> StorageBackend:
    """The backend for files under ``url`` (any fsspec URL or a local path).

    Args:
        url: ``/abs/path``, ``file:///...``, ``memory://...``, ``s3://bucket/prefix``...
        storage_options: Passed to the fsspec filesystem (credentials, endpoint...).
    """
    fs, root = url_to_fs(url, **fsspec_options(storage_options))
    if isinstance(fs, LocalFileSystem):
        return LocalBackend(root)
    return FsspecBackend(fs, root)


def replace_at(url: str, blob: bytes, storage_options: dict[str, Any] | None = None) -> None:
    """Replace the whole file at ``url`` with ``blob``: atomically and durably on a local disk
    (temporary file, fsync, rename), one PUT on an object store (which replaces a key whole)."""
    folder, _, name = url.rstrip("/").rpartition("/")
    backend = open_backend(folder, storage_options)
    backend.replace(f"{backend.root}/{name}", blob)
