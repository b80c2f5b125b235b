"""Read a file as chunks and split them into physical lines exactly as one ``splitlines`` would.

Lines break at CRLF, LF and a lone CR (``bytes.splitlines``). A line may cross a chunk border,
and so may a CRLF: a chunk ending in CR is held back until the next byte is known. Lines come in
blocks (the complete lines of one chunk) so that callers loop in C-speed comprehensions. Memory
is one chunk plus the longest line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, Protocol

CHUNK_SIZE: Final = 8 * 1024 * 1024
"""Bytes read from a landing file at a time."""

BOM: Final = b"\xef\xbb\xbf"


class BinaryReader(Protocol):
    """What readers need of a file: reads, and seeks for Parquet."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


def read_chunks(handle: BinaryReader, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The bytes of ``handle`` from its position to the end, ``size`` bytes at a time."""
    while chunk := handle.read(size):
        yield chunk


def without_bom(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks with a UTF-8 BOM at the very start dropped (it may span chunks)."""
    source = iter(chunks)
    head = b""
    for chunk in source:
        head += chunk
        if len(head) >= len(BOM):
            break
    if head.startswith(BOM):
        head = head[len(BOM) :]
    if head:
        yield head
    yield from source


def _last_break(data: bytes) -> int:
    """Index after the last line break that is certainly complete (0 if none).

    A CR as the very last byte may be the first half of a CRLF, so it does not count.
    """
    end = len(data) - 1 if data.endswith(b"\r") else len(data)
    return max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1


def line_blocks(chunks: Iterable[bytes], *, keepends: bool) -> Iterator[list[bytes]]:
    """Physical lines of the concatenated chunks, one list per chunk that completes lines.

    The lines are those of ``b"".join(chunks).splitlines(keepends)``, whatever the chunking.
    """
    tail: list[bytes] = []  # bytes after the last complete line; only the last part may hold a CR
    for chunk in chunks:
        if not chunk:
            continue
        if tail and tail[-1].endswith(b"\r"):
            chunk = b"".join(tail) + chunk
            tail = []
        cut = _last_break(chunk)
        if cut == 0:
            tail.append(chunk)
            continue
        head = b"".join([*tail, chunk[:cut]]) if tail else chunk[:cut]
        yield head.splitlines(keepends)
        tail = [chunk[cut:]] if cut < len(chunk) else []
    if tail:
        yield b"".join(tail).splitlines(keepends)
