"""Pack files: many small sealed objects appended to one file and committed by one index.

:class:`PackSet` is a store's view of its published packs (loaded from their indexes); it
writes new packs and rewrites one without some of its objects. The index format is below it.

A pack ``packs/<id>.pack`` holds sealed objects back to back (``header || body`` each). Its index
``packs/<id>.idx`` is published write-once *after* the pack is durable: the index is the commit
point of the whole batch, so one batch costs a fixed number of fsyncs instead of several per
object. A crash before the index is published leaves an orphan pack that garbage collection
removes after the grace period. Layout in ``docs/format.md``.
"""

from __future__ import annotations

import logging
import secrets
import struct
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import blake3

from vault_core.storage.addressing import ADDRESS_PREFIX, Layout
from vault_core.storage.backends import Sink, StorageBackend
from vault_core.storage.exceptions import CorruptPackError
from vault_core.storage.sealing import Sealed

__all__ = [
    "INDEX_SUFFIX",
    "PACK_SUFFIX",
    "PackEntry",
    "PackSet",
    "decode_index",
    "encode_index",
]

logger = logging.getLogger(__name__)

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


class PackSet:
    """The published packs of one store: which pack holds each packed address, and where."""

    def __init__(self, backend: StorageBackend, layout: Layout) -> None:
        self._backend = backend
        self._layout = layout
        self._entries: dict[str, PackEntry] = {}
        self._ids: set[str] = set()

    def __contains__(self, address: object) -> bool:
        return address in self._entries

    def get(self, address: str) -> PackEntry | None:
        """Where ``address`` is packed, as last loaded (no listing)."""
        return self._entries.get(address)

    def addresses(self) -> set[str]:
        """Every packed address loaded."""
        return set(self._entries)

    def pack_path(self, pack_id: str) -> str:
        """The pack file of ``pack_id``."""
        return self._layout.pack_path(pack_id, PACK_SUFFIX)

    def index_path(self, pack_id: str) -> str:
        """The index file of ``pack_id`` (its commit point)."""
        return self._layout.pack_path(pack_id, INDEX_SUFFIX)

    def refresh(self, *, reload: bool = False) -> None:
        """Load the indexes of packs published since the last look (all of them on reload)."""
        if reload:
            self._entries.clear()
            self._ids.clear()
        for path in self._backend.find(self._layout.packs):
            name = path.rsplit("/", 1)[-1]
            pack_id = name[: -len(INDEX_SUFFIX)]
            if not name.endswith(INDEX_SUFFIX) or pack_id in self._ids:
                continue
            try:
                blob = self._backend.read(path)
            except FileNotFoundError:
                continue
            self._ids.add(pack_id)
            self._add(decode_index(pack_id, blob))

    def without_index(self) -> list[tuple[str, str]]:
        """``(pack id, path)`` of pack files whose index is not loaded (call refresh first)."""
        found = []
        for path in self._backend.find(self._layout.packs):
            name = path.rsplit("/", 1)[-1]
            if name.endswith(PACK_SUFFIX) and name[: -len(PACK_SUFFIX)] not in self._ids:
                found.append((name[: -len(PACK_SUFFIX)], path))
        return found

    def write(
        self, items: Sequence[tuple[str, bytes]], seal: Callable[[Sink, str, bytes], Sealed]
    ) -> list[Sealed]:
        """Seal ``(address, data)`` items into a new pack, then commit it by its index."""
        pack_id = secrets.token_hex(16)
        entries: list[PackEntry] = []
        sealed: list[Sealed] = []
        offset = 0
        with self._backend.open_writer(self.pack_path(pack_id)) as sink:
            for address, data in items:
                one = seal(sink, address, data)
                digest = bytes.fromhex(address[len(ADDRESS_PREFIX) :])
                entries.append(
                    PackEntry(pack_id, digest, one.salt, offset, len(one.header), one.body_len)
                )
                sealed.append(one)
                offset += len(one.header) + one.body_len
        # The commit point of the batch: the pack is durable, now its index is published.
        self._backend.publish(self.index_path(pack_id), encode_index(entries))
        self._add(entries)
        logger.debug("packed %d objects (%d bytes) in pack %s", len(entries), offset, pack_id)
        return sealed

    def remove(self, pack_id: str, dropped: Collection[str]) -> None:
        """Rewrite pack ``pack_id`` without the ``dropped`` addresses (a pack is immutable).

        The survivors go to a new pack, committed by its index; then the old index and pack
        are removed.
        """
        index_path, pack_path = self.index_path(pack_id), self.pack_path(pack_id)
        try:
            entries = decode_index(pack_id, self._backend.read(index_path))
        except FileNotFoundError:
            entries = []
        keep = [e for e in entries if ADDRESS_PREFIX + e.digest.hex() not in dropped]
        if keep:
            new_id = secrets.token_hex(16)
            moved: list[PackEntry] = []
            offset = 0
            with self._backend.open_writer(self.pack_path(new_id)) as sink:
                for entry in keep:
                    blob = self._backend.read_range(pack_path, entry.offset, entry.end)
                    sink(memoryview(blob))
                    moved.append(
                        PackEntry(
                            new_id,
                            entry.digest,
                            entry.salt,
                            offset,
                            entry.header_len,
                            entry.body_len,
                        )
                    )
                    offset += len(blob)
            self._backend.publish(self.index_path(new_id), encode_index(moved))
            self._add(moved, replace=True)
        # Index first: a crash between the two leaves an orphan pack, never a dangling index.
        self._backend.delete(index_path)
        self._backend.delete(pack_path)
        self._ids.discard(pack_id)
        for entry in entries:
            address = ADDRESS_PREFIX + entry.digest.hex()
            current = self._entries.get(address)
            if current is not None and current.pack_id == pack_id:
                del self._entries[address]

    def _add(self, entries: Iterable[PackEntry], *, replace: bool = False) -> None:
        for entry in entries:
            self._ids.add(entry.pack_id)
            address = ADDRESS_PREFIX + entry.digest.hex()
            if replace:
                self._entries[address] = entry
            else:
                self._entries.setdefault(address, entry)
