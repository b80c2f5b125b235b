"""List and read the landing files of a dataset through fsspec (local, memory, S3...)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import fsspec

from vault_core.digest import bytes_digest
from vault_core.ingest.exceptions import SourceNotFoundError, SourceUnavailableError


@dataclass(frozen=True)
class SourceFile:
    """One landing file as read: its URL, size and content digest (for provenance)."""

    url: str
    size: int
    digest: str


def _url(fs: Any, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else str(fs.unstrip_protocol(path))


def iter_source_files(
    source: str | Sequence[str], storage_options: dict[str, Any] | None = None
) -> Iterator[tuple[SourceFile, bytes]]:
    """Yield every file matching ``source`` (a URL or glob, or a list of them), in sorted order,
    with its bytes.

    Raises:
        SourceNotFoundError: nothing matches.
        SourceUnavailableError: the storage cannot be listed or a file cannot be read.
    """
    if not isinstance(source, str):
        for each in source:
            yield from iter_source_files(each, storage_options)
        return
    try:
        fs, path = fsspec.core.url_to_fs(source, **(storage_options or {}))
        has_magic = any(char in path for char in "*?[")
        paths = sorted(fs.glob(path)) if has_magic else ([path] if fs.exists(path) else [])
        paths = [p for p in paths if not fs.isdir(p)]
    except (OSError, ValueError) as exc:
        raise SourceUnavailableError(source, type(exc).__name__) from exc
    if not paths:
        raise SourceNotFoundError(source)
    for file_path in paths:
        try:
            data: bytes = fs.cat_file(file_path)
        except OSError as exc:
            raise SourceUnavailableError(source, f"{type(exc).__name__} reading a file") from exc
        yield SourceFile(_url(fs, file_path), len(data), bytes_digest(data)), data
