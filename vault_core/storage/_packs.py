"""Pack files: many small sealed objects appended to one file and committed by one index.

A pack ``packs/<id>.pack`` holds sealed objects back to back (``header || body`` each). Its index
``packs/<id>.idx`` is published write-once *after* the pack is durable: the index is the commit
point of the whole batch, so one batch costs a fixed number of fsyncs instead of several per
object. A crash before the index is published leaves an orphan pack that garbage collection
removes after the grace period. Layout in ``docs/format.md``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

import blake3

from vault_core.storage.exceptions import CorruptPackError

__all__ = ["INDEX_SUFFIX", "PACK_SUFFIX", "PackEntry", "decode_index", "encode_index"]

PACK_SUFFIX = ".pack"
INDEX_SUFFIX = ".idx"
_MAGIC = b"VLTI"
_VERSION = 1
_HEAD = struct.Struct(">4sBI")  # magic, version, entry count
_ENTRY = struct.Struct(">32s32sQIQ")  # address digest, salt, offset, header length, body length
_CHECKSUM_LEN = 32


@dataclass(frozen=True)
class PackEntry:
    """Where one sealed object lives inside a pack.

    Attributes:
        pack_id: Hex id of the pack (its file name without suffix).
        digest: The 32-byte digest of the object's address.
        salt: The salt of the packed header (tells a packed body from a loose one).
        offset: Byte offset of the header in the pack.
        header_len: Length of the packed header.
        body_len: Length of the body, which follows the header.
    """

    pack_id: str
    digest: bytes
    salt: bytes
    offset: int
    header_len: int
    body_len: int

    @property
    def body_offset(self) -> int:
        """Byte offset of the body in the pack."""
        return self.offset + self.header_len

    @property
    def end(self) -> int:
        """Byte offset just after the object in the pack."""
        return self.body_offset + self.body_len


def encode_index(entries: Iterable[PackEntry]) -> bytes:
    """Serialize a pack index: head, fixed-size entries, then a BLAKE3 checksum of both."""
    items = list(entries)
    parts = [_HEAD.pack(_MAGIC, _VERSION, len(items))]
    parts += [_ENTRY.pack(e.digest, e.salt, e.offset, e.header_len, e.body_len) for e in items]
    blob = b"".join(parts)
    return blob + blake3.blake3(blob).digest()


def decode_index(pack_id: str, blob: bytes) -> list[PackEntry]:
    """Parse a pack index written by :func:`encode_index`.

    Raises:
        CorruptPackError: The index is truncated, has a bad checksum or an unknown version.
    """
    if len(blob) < _HEAD.size + _CHECKSUM_LEN:
        raise CorruptPackError(f"pack index {pack_id} is truncated", pack_id=pack_id)
    body, checksum = blob[:-_CHECKSUM_LEN], blob[-_CHECKSUM_LEN:]
    if blake3.blake3(body).digest() != checksum:
        raise CorruptPackError(f"pack index {pack_id} fails its checksum", pack_id=pack_id)
    magic, version, count = _HEAD.unpack_from(body)
    if magic != _MAGIC or version != _VERSION or len(body) != _HEAD.size + count * _ENTRY.size:
        raise CorruptPackError(f"pack index {pack_id} has an unknown layout", pack_id=pack_id)
    return [
        PackEntry(pack_id, *_ENTRY.unpack_from(body, _HEAD.size + i * _ENTRY.size))
        for i in range(count)
    ]
