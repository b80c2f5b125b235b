"""Content-addressed store of sealed objects on any fsspec filesystem, addressed by keyed BLAKE3.

Layout under the root (see ``docs/format.md``)::

    objects/<hex[:2]>/<hex[2:4]>/<hex>   the sealed header: published write-once, it commits the
                                         object; rotation replaces it (small) atomically
    bodies/<salt[:2]>/<salt hex>         the segments, named by the header's random salt; written
                                         once before the header and never rewritten
    packs/<id>.pack, packs/<id>.idx      small objects put together by ``put_many``: one pack,
                                         committed by publishing its index (see ``_packs``)

The address is ``b3k2:`` + keyed BLAKE3 of the plaintext with a key derived from the vault
secret *and the scope* (dataset): the same content put in two datasets gives two independent
objects, so shredding one dataset's key never breaks another's copy (GDPR erasure per dataset).
"""

from __future__ import annotations

import builtins
import errno
import hmac
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any

import blake3
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from vault_core.crypto import (
    KeyNotFoundError,
    KeyProvider,
    MalformedObjectError,
    SealedHeader,
    SegmentReader,
    SegmentWriter,
    WrongKeyError,
    read_header,
    rewrap_header,
    unwrap_data_key,
)
from vault_core.crypto.envelope import DEFAULT_SEGMENT_EXPONENT, SALT_LEN, TAG_LEN, body_length
from vault_core.storage._locks import ScopeLocks
from vault_core.storage._packs import (
    INDEX_SUFFIX,
    PACK_SUFFIX,
    PackEntry,
    decode_index,
    encode_index,
)
from vault_core.storage.exceptions import IntegrityError, InvalidAddressError, ObjectNotFoundError
from vault_core.storage_options import fsspec_options

__all__ = ["ADDRESS_PREFIX", "PACK_MAX_OBJECT", "ContentAddressedStore", "PutResult", "StoredFile"]

logger = logging.getLogger(__name__)

ADDRESS_PREFIX = "b3k2:"
ADDRESS_KEY_PURPOSE = "vault/cas-address/v2/"
_AD_LABEL = b"vault/cas/v2\0"
_HEX = re.compile(r"[0-9a-f]{64}")
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}
PACK_MAX_OBJECT = 4 << 20
"""``put_many`` packs objects up to this size; larger ones are stored loose (bandwidth-bound)."""
_PACK_TARGET = 64 << 20


@dataclass(frozen=True)
class StoredFile:
    """A file of the store that no committed object refers to (for garbage collection).

    Attributes:
        path: Its path on the store's filesystem.
        kind: ``body`` (a loose body without header), ``pack`` (a pack without index) or
            ``temp`` (an unfinished temporary file).
        size: Its size in bytes.
        modified: Its modification time, seconds since the epoch.
    """

    path: str
    kind: str
    size: int
    modified: float


@dataclass(frozen=True)
class PutResult:
    """Outcome of :meth:`ContentAddressedStore.put`.

    Attributes:
        address: Content address of the data (in its scope).
        size: Plaintext size in bytes.
        stored_size: Size of the stored header plus body in bytes.
        key_id: Wrapping key the stored object is sealed under (the existing one on dedup).
        created: False when the object already existed and nothing was written.
    """

    address: str
    size: int
    stored_size: int
    key_id: str
    created: bool


class ContentAddressedStore:
    """Write-once store of encrypted objects named by a keyed hash of their plaintext and scope."""

    def __init__(
        self,
        root_url: str,
        *,
        provider: KeyProvider,
        storage_options: dict[str, Any] | None = None,
        segment_exponent: int = DEFAULT_SEGMENT_EXPONENT,
    ) -> None:
        """Open a store rooted at ``root_url``.

        Args:
            root_url: Any fsspec URL: ``/abs/path``, ``file:///...``, ``memory://...``,
                ``s3://bucket/prefix``.
            provider: Seals objects and supplies the address keys.
            storage_options: Passed to the fsspec filesystem (credentials, endpoint...).
            segment_exponent: New objects use segments of ``2**segment_exponent`` bytes.
        """
        self.root_url = root_url
        self._fs, root = url_to_fs(root_url, **fsspec_options(storage_options))
        root = root.rstrip("/")
        self._objects = f"{root}/objects"
        self._bodies = f"{root}/bodies"
        self._packs = f"{root}/packs"
        self._pack_entries: dict[str, PackEntry] = {}
        self._pack_ids: set[str] = set()
        self._local = isinstance(self._fs, LocalFileSystem)
        self._s3 = "s3" in self._fs.protocol
        self._provider = provider
        self._segment_exponent = segment_exponent
        self._address_keys: dict[str, bytes] = {}
        self._locks = ScopeLocks(root_url, f"{root}/locks" if self._local else None)

    @property
    def provider(self) -> KeyProvider:
        """The key provider sealing this store's objects."""
        return self._provider

    def address_of(self, data: bytes, *, scope: str) -> str:
        """Return the address of ``data`` in ``scope``: ``"b3k2:"`` + 64 hex of keyed BLAKE3."""
        return ADDRESS_PREFIX + blake3.blake3(data, key=self._address_key(scope)).hexdigest()

    def put(self, data: bytes, *, scope: str) -> PutResult:
        """Seal and store ``data`` unless the same content is already stored in ``scope``.

        A stored object with the same address is verified before it counts as a dedup hit (see
        :meth:`_verified_existing`): a corrupt one is replaced from ``data`` (``created`` True).

        Args:
            data: Plaintext to store.
            scope: Key scope (dataset or tenant) whose wrapping key seals the object.
        """
        address = self.address_of(data, scope=scope)
        if self.exists(address):
            existing = self._verified_existing(address, data)
            if existing is not None:
                return existing
            return self._put(iter((data,)), scope, address, replace=True)
        return self._put(iter((data,)), scope, address)

    def put_many(self, items: Iterable[bytes], *, scope: str) -> list[PutResult]:
        """Seal and store many objects with one commit (group commit into a pack file).

        Objects up to :data:`PACK_MAX_OBJECT` bytes that are not stored yet are appended to one
        pack (a new pack every 64 MiB) that is made durable, then committed by publishing its
        index: a fixed number of fsyncs per batch instead of four per object. Until the index is
        published none of the batch exists; afterwards all of it does. Dedup (with its check of
        the stored copy and the repair of a corrupt one), write-once and verify-on-read are the
        same as for :meth:`put`; a repaired object is stored loose.

        Returns:
            One result per item, in order (``created`` is False for content already stored or
            repeated earlier in the batch).
        """
        datas = list(items)
        addresses = [self.address_of(data, scope=scope) for data in datas]
        self._refresh_packs()
        results: list[PutResult | None] = [None] * len(datas)
        first: dict[str, int] = {}
        batch: list[int] = []
        for i, (address, data) in enumerate(zip(addresses, datas, strict=True)):
            if address in first:
                continue
            first[address] = i
            if self._exists_loaded(address):
                existing = self._verified_existing(address, data)
                if existing is None:
                    existing = self._put(iter((data,)), scope, address, replace=True)
                results[i] = existing
            elif len(data) > PACK_MAX_OBJECT:
                results[i] = self._put(iter((data,)), scope, address)
            else:
                batch.append(i)
        start = 0
        while start < len(batch):
            stop, total = start, 0
            while stop < len(batch) and (stop == start or total < _PACK_TARGET):
                total += len(datas[batch[stop]])
                stop += 1
            chunk = batch[start:stop]
            for i, result in zip(
                chunk,
                self._write_pack([(addresses[i], datas[i]) for i in chunk], scope),
                strict=True,
            ):
                results[i] = result
            start = stop
        out: list[PutResult] = []
        for i, address in enumerate(addresses):
            stored = results[first[address]]
            assert stored is not None
            out.append(stored if i == first[address] else _dedup(stored))
        return out

    def put_stream(self, chunks: Iterable[bytes], *, scope: str) -> PutResult:
        """Seal and store a stream of any size in bounded memory; the address comes at the end."""
        return self._put(iter(chunks), scope, None)

    def get(self, address: str) -> bytes:
        """Return the plaintext stored at ``address``, verified against the address.

        Raises:
            ObjectNotFoundError: Nothing is stored at ``address``.
            IntegrityError: The object is malformed, tampered or does not match its address.
            WrongKeyError: The header was tampered with or the provider holds other keys.
            KeyNotFoundError: The object's wrapping key is unknown or was destroyed.
        """
        if not self._local:
            return b"".join(self.iter_plaintext(address))
        return self._get_local(address, *self._locate(address))

    def _get_local(
        self, address: str, header: SealedHeader, body_path: str, base: int, body_len: int
    ) -> bytes:
        # Local fast path: read each segment into one reused buffer and decrypt it straight
        # into the result, instead of a fresh ciphertext, plaintext and join copy per segment.
        data_key = unwrap_data_key(header, self._provider, _ad(address, header.scope))
        try:
            reader = SegmentReader(header, data_key, body_len)
        except MalformedObjectError as exc:
            raise IntegrityError(f"object {address} is truncated", address=address) from exc
        out = bytearray(reader.plaintext_len)
        view = memoryview(out)
        buffer = memoryview(bytearray(min(reader.stride, body_len)))
        seg = header.segment_size
        with open(body_path, "rb") as handle:
            handle.seek(base)
            for index in range(reader.segments):
                start, end = reader.segment_span(index)
                chunk = buffer[: end - start]
                try:
                    if handle.readinto(chunk) != len(chunk):
                        raise MalformedObjectError("sealed object body is truncated")
                    reader.decrypt_into(
                        index, chunk, view[index * seg : index * seg + len(chunk) - TAG_LEN]
                    )
                except MalformedObjectError as exc:
                    raise IntegrityError(
                        f"object {address} is tampered or truncated", address=address
                    ) from exc
        digest = blake3.blake3(out, key=self._address_key(header.scope)).hexdigest()
        if not hmac.compare_digest(ADDRESS_PREFIX + digest, address):
            raise IntegrityError(f"object {address} does not match its address", address=address)
        return bytes(out)

    def iter_plaintext(
        self, address: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Yield plaintext bytes ``[start, end)`` decrypting only the segments they span.

        A full read (the default range) also checks the plaintext against the address at the
        end; every segment is authenticated in any case.
        """
        header, body_path, base, body_len = self._locate(address)
        data_key = unwrap_data_key(header, self._provider, _ad(address, header.scope))
        try:
            reader = SegmentReader(header, data_key, body_len)
        except MalformedObjectError as exc:
            raise IntegrityError(f"object {address} is truncated", address=address) from exc
        full = start <= 0 and (end is None or end >= reader.plaintext_len)
        hasher = blake3.blake3(key=self._address_key(header.scope)) if full else None
        with self._reader(body_path, base) as read:
            try:
                for piece in reader.iter_plaintext(read, start, end):
                    if hasher is not None:
                        hasher.update(piece)
                    yield piece
            except MalformedObjectError as exc:
                raise IntegrityError(
                    f"object {address} is tampered or truncated", address=address
                ) from exc
        if hasher is not None and not hmac.compare_digest(
            ADDRESS_PREFIX + hasher.hexdigest(), address
        ):
            raise IntegrityError(f"object {address} does not match its address", address=address)

    def get_range(self, address: str, start: int, end: int) -> bytes:
        """Return plaintext bytes ``[start, end)`` reading only the segments they span."""
        return b"".join(self.iter_plaintext(address, start, end))

    def exists(self, address: str) -> bool:
        """Return whether an object is stored at ``address`` (loose or packed)."""
        if self._exists_loaded(address):
            return True
        self._refresh_packs()
        return address in self._pack_entries

    def delete(self, address: str) -> bool:
        """Remove the object at ``address`` (header first, then body); False if there was none."""
        return self.delete_many([address]) == 1

    def delete_many(self, addresses: Iterable[str]) -> int:
        """Remove objects, rewriting each pack they are in once; return how many existed.

        A pack is immutable: removing packed objects writes a new pack of the survivors,
        commits its index, then removes the old index and pack.
        """
        self._refresh_packs()
        removed = 0
        drop: dict[str, set[str]] = {}
        for address in addresses:
            found = False
            path = self._path(address)
            try:
                header: SealedHeader | None = self._loose_header(address)
            except ObjectNotFoundError:
                header = None
            except IntegrityError:
                header, found = None, True
            if header is not None or found:
                found = True
                with suppress(FileNotFoundError):
                    self._fs.rm_file(path)
                if header is not None:
                    with suppress(FileNotFoundError):
                        self._fs.rm_file(self._body_path(header.salt))
            entry = self._pack_entries.get(address)
            if entry is not None:
                found = True
                drop.setdefault(entry.pack_id, set()).add(address)
            removed += found
        for pack_id, dropped in drop.items():
            self._repack(pack_id, dropped)
        logger.debug("deleted %d objects from %s", removed, self.root_url)
        return removed

    def header_of(self, address: str) -> SealedHeader:
        """Return the parsed (public) header of the object at ``address``."""
        return self._header(address)

    def key_id_of(self, address: str) -> str:
        """Return the id of the wrapping key the object is sealed under, reading only its header."""
        return self._header(address).key_id

    def scope_of(self, address: str) -> str:
        """Return the key scope the object was stored with, reading only its header."""
        return self._header(address).scope

    def list(self) -> Iterator[str]:
        """Yield the address of every stored object (loose or packed), in address order."""
        self._refresh_packs()
        yield from sorted(set(self._loose_addresses()) | set(self._pack_entries))

    def modified_of(self, address: str) -> float:
        """When the object was last stored or found by a dedup put (seconds since the epoch).

        The newest of its header file and the index of the pack holding it.
        """
        times: builtins.list[float] = []
        with suppress(FileNotFoundError):
            times.append(_mtime(self._fs.info(self._path(address))))
        entry = self._pack_entries.get(address)
        if entry is not None:
            with suppress(FileNotFoundError):
                times.append(_mtime(self._fs.info(self._pack_path(entry.pack_id, INDEX_SUFFIX))))
        if not times:
            raise ObjectNotFoundError(f"no object at {address}", address=address)
        return max(times)

    def unreferenced_files(self) -> Iterator[StoredFile]:
        """Yield files no committed object uses: bodies without header, packs without index,
        temporary files. Recent ones may belong to a put in progress: mind their age."""
        salts: set[str] = set()
        for address in self._loose_addresses():
            with suppress(IntegrityError, ObjectNotFoundError):
                salts.add(self._loose_header(address).salt.hex())
        for salt, path in self.body_paths():
            if salt not in salts:
                yield self._stored_file(path, "body")
        self._refresh_packs()
        for path in self._find(self._packs):
            name = path.rsplit("/", 1)[-1]
            if name.endswith(PACK_SUFFIX) and name[: -len(PACK_SUFFIX)] not in self._pack_ids:
                yield self._stored_file(path, "pack")
        for root in (self._objects, self._bodies, self._packs):
            for path in self._find(root):
                if path.rsplit("/", 1)[-1].startswith(".tmp-"):
                    yield self._stored_file(path, "temp")

    def packs_without_index(self) -> builtins.list[str]:
        """Ids of pack files whose index is absent (a lost index, or a batch not committed).

        Reloads every pack index, so indexes removed since the last look are seen as gone.
        """
        self._refresh_packs(reload=True)
        ids = []
        for path in self._find(self._packs):
            name = path.rsplit("/", 1)[-1]
            if name.endswith(PACK_SUFFIX) and name[: -len(PACK_SUFFIX)] not in self._pack_ids:
                ids.append(name[: -len(PACK_SUFFIX)])
        return ids

    def list_scope(self, scope: str) -> Iterator[str]:
        """Yield the addresses of the objects stored in ``scope`` (reads every header)."""
        for address in self.list():
            with suppress(IntegrityError, ObjectNotFoundError):
                if self._header(address).scope == scope:
                    yield address

    def rewrap(self, address: str) -> bool:
        """Re-wrap the object's data key under its scope's current key; the body is untouched.

        Returns:
            False if the object already uses the current key.
        """
        header = self._header(address)
        if header.key_id == self._provider.current_key_id(header.scope):
            return False
        new_header = rewrap_header(header, self._provider, _ad(address, header.scope))
        self._replace(self._path(address), new_header)
        return True

    def body_paths(self) -> Iterator[tuple[str, str]]:
        """Yield ``(salt hex, path)`` of every body file (for garbage collection)."""
        for path in self._find(self._bodies):
            name = path.rsplit("/", 1)[-1]
            if _HEX.fullmatch(name):
                yield name, path

    def body_path_of(self, header: SealedHeader) -> str:
        """Path of the body file a header refers to."""
        return self._body_path(header.salt)

    def modified(self, path: str) -> float:
        """Modification time of a stored file, in seconds since the epoch."""
        return _mtime(self._fs.info(path))

    def remove_path(self, path: str) -> None:
        """Remove one stored file (garbage collection)."""
        with suppress(FileNotFoundError):
            self._fs.rm_file(path)

    def touch(self, address: str) -> None:
        """Mark the object as just used (local stores): garbage collection's grace restarts."""
        if not self._local:
            return
        paths = [self._path(address)]
        entry = self._pack_entries.get(address)
        if entry is not None:
            paths.append(self._pack_path(entry.pack_id, INDEX_SUFFIX))
        for path in paths:
            with suppress(FileNotFoundError):
                os.utime(path)

    # -- internals ---------------------------------------------------------------------------

    def _address_key(self, scope: str) -> bytes:
        key = self._address_keys.get(scope)
        if key is None:
            if not scope or "\0" in scope:
                raise ValueError("a scope must be a non-empty string without NUL characters")
            key = self._provider.derive_subkey(ADDRESS_KEY_PURPOSE + scope)
            self._address_keys[scope] = key
        return key

    def key_switch(self, scope: str) -> AbstractContextManager[None]:
        """Context manager excluding every put of ``scope`` (rotation changes its key under it).

        Entering waits until puts in flight have published; puts starting later wait for the
        exit, then seal under the new current key.
        """
        return self._locks.exclusive(scope)

    def _put(
        self, chunks: Iterator[bytes], scope: str, address: str | None, *, replace: bool = False
    ) -> PutResult:
        """Seal and publish; ``replace`` overwrites a corrupt header instead of deduplicating."""
        # From the key id to the published header: rotation must not switch keys in between.
        with self._locks.shared(scope):
            return self._put_locked(chunks, scope, address, replace)

    def _put_locked(
        self, chunks: Iterator[bytes], scope: str, address: str | None, replace: bool
    ) -> PutResult:
        key_id, data_key, wrapped = self._provider.generate_data_key(
            scope, _ad(address, scope) if address else b""
        )
        salt = secrets.token_bytes(SALT_LEN)
        hasher = blake3.blake3(key=self._address_key(scope))
        body_path = self._body_path(salt)
        with self._writer(body_path) as sink:
            writer = SegmentWriter(
                sink,
                scope=scope,
                data_key=data_key,
                segment_exponent=self._segment_exponent,
                salt=salt,
            )
            size = 0
            for chunk in chunks:
                hasher.update(chunk)
                writer.write(chunk)
                size += len(chunk)
            writer.close()
        computed = ADDRESS_PREFIX + hasher.hexdigest()
        if address is None:
            address = computed
            # The data key was wrapped before the address was known: wrap it again, bound to it.
            key_id, wrapped = self._provider.wrap(scope, data_key, _ad(address, scope))
        header = writer.header(key_id, wrapped, _ad(address, scope))
        if replace:
            # Repair: the new header and body supersede the corrupt object (a loose header wins
            # over a packed one); its old body, now without header, is left to `vault gc`.
            self._replace(self._path(address), header)
            logger.warning("replaced corrupt object %s in %s", address, self.root_url)
        elif not self._publish(self._path(address), header):
            self.remove_path(body_path)
            return self._existing(address, size)
        logger.debug("stored %s (%d bytes) in %s", address, writer.body_len, self.root_url)
        return PutResult(address, size, len(header) + writer.body_len, key_id, True)

    def _write_pack(
        self, items: Sequence[tuple[str, bytes]], scope: str
    ) -> builtins.list[PutResult]:
        with self._locks.shared(scope):
            return self._write_pack_locked(items, scope)

    def _write_pack_locked(
        self, items: Sequence[tuple[str, bytes]], scope: str
    ) -> builtins.list[PutResult]:
        pack_id = secrets.token_hex(16)
        pack_path = self._pack_path(pack_id, PACK_SUFFIX)
        entries: builtins.list[PackEntry] = []
        results: builtins.list[PutResult] = []
        offset = 0
        with self._writer(pack_path) as sink:
            for address, data in items:
                ad = _ad(address, scope)
                key_id, data_key, wrapped = self._provider.generate_data_key(scope, ad)
                salt = secrets.token_bytes(SALT_LEN)
                writer = SegmentWriter(
                    sink,
                    scope=scope,
                    data_key=data_key,
                    segment_exponent=self._segment_exponent,
                    salt=salt,
                )
                # The commitment does not depend on the plaintext: the header can lead the body.
                header = writer.header(key_id, wrapped, ad)
                sink(memoryview(header))
                writer.write(data)
                writer.close()
                digest = bytes.fromhex(address[len(ADDRESS_PREFIX) :])
                entries.append(
                    PackEntry(pack_id, digest, salt, offset, len(header), writer.body_len)
                )
                results.append(
                    PutResult(address, len(data), len(header) + writer.body_len, key_id, True)
                )
                offset += len(header) + writer.body_len
        # The commit point of the batch: the pack is durable, now its index is published.
        self._publish(self._pack_path(pack_id, INDEX_SUFFIX), encode_index(entries))
        self._add_pack(entries)
        logger.debug("packed %d objects (%d bytes) in %s", len(entries), offset, self.root_url)
        return results

    def _repack(self, pack_id: str, dropped: Collection[str]) -> None:
        index_path = self._pack_path(pack_id, INDEX_SUFFIX)
        pack_path = self._pack_path(pack_id, PACK_SUFFIX)
        try:
            entries = decode_index(pack_id, self._fs.cat_file(index_path))
        except FileNotFoundError:
            entries = []
        keep = [e for e in entries if ADDRESS_PREFIX + e.digest.hex() not in dropped]
        if keep:
            new_id = secrets.token_hex(16)
            moved: builtins.list[PackEntry] = []
            offset = 0
            with self._writer(self._pack_path(new_id, PACK_SUFFIX)) as sink:
                for entry in keep:
                    blob = self._read_range(pack_path, entry.offset, entry.end)
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
            self._publish(self._pack_path(new_id, INDEX_SUFFIX), encode_index(moved))
            self._add_pack(moved, replace=True)
        # Index first: a crash between the two leaves an orphan pack, never a dangling index.
        self.remove_path(index_path)
        self.remove_path(pack_path)
        self._pack_ids.discard(pack_id)
        for entry in entries:
            address = ADDRESS_PREFIX + entry.digest.hex()
            current = self._pack_entries.get(address)
            if current is not None and current.pack_id == pack_id:
                del self._pack_entries[address]

    def _add_pack(self, entries: Iterable[PackEntry], *, replace: bool = False) -> None:
        for entry in entries:
            self._pack_ids.add(entry.pack_id)
            address = ADDRESS_PREFIX + entry.digest.hex()
            if replace:
                self._pack_entries[address] = entry
            else:
                self._pack_entries.setdefault(address, entry)

    def _refresh_packs(self, *, reload: bool = False) -> None:
        """Load the indexes of packs published since the last look (all of them on reload)."""
        if reload:
            self._pack_entries.clear()
            self._pack_ids.clear()
        for path in self._find(self._packs):
            name = path.rsplit("/", 1)[-1]
            pack_id = name[: -len(INDEX_SUFFIX)]
            if not name.endswith(INDEX_SUFFIX) or pack_id in self._pack_ids:
                continue
            try:
                blob = self._fs.cat_file(path)
            except FileNotFoundError:
                continue
            self._pack_ids.add(pack_id)
            self._add_pack(decode_index(pack_id, blob))

    def _pack_path(self, pack_id: str, suffix: str) -> str:
        return f"{self._packs}/{pack_id}{suffix}"

    def _read_range(self, path: str, start: int, end: int) -> bytes:
        data: bytes = self._fs.cat_file(path, start=start, end=end)
        return data

    def _exists_loaded(self, address: str) -> bool:
        """Loose header or a pack already loaded (no listing)."""
        return bool(self._fs.exists(self._path(address))) or address in self._pack_entries

    def _loose_addresses(self) -> Iterator[str]:
        for path in self._find(self._objects):
            name = path.rsplit("/", 1)[-1]
            if _HEX.fullmatch(name) and path.endswith(f"/{name[:2]}/{name[2:4]}/{name}"):
                yield ADDRESS_PREFIX + name

    def _stored_file(self, path: str, kind: str) -> StoredFile:
        info = self._fs.info(path)
        return StoredFile(path, kind, int(info.get("size") or 0), _mtime(info))

    def _locate(self, address: str, *, retry: bool = True) -> tuple[SealedHeader, str, int, int]:
        """Header of the object and where its body is: ``(header, path, offset, length)``.

        A loose header (written by ``put`` or by rotation of a packed object) wins over a
        packed one; the body is the packed one when the salts match, else the loose file.
        """
        try:
            header = self._header(address)
            entry = self._pack_entries.get(address)
            if entry is not None and entry.salt == header.salt:
                return (
                    header,
                    self._pack_path(entry.pack_id, PACK_SUFFIX),
                    entry.body_offset,
                    entry.body_len,
                )
            body_path = self._body_path(header.salt)
            return header, body_path, 0, int(self._fs.size(body_path))
        except FileNotFoundError as exc:
            if retry:  # a pack was rewritten by another process: look again
                self._refresh_packs(reload=True)
                return self._locate(address, retry=False)
            raise IntegrityError(f"object {address} has no body", address=address) from exc

    def _path(self, address: str) -> str:
        digest = address[len(ADDRESS_PREFIX) :]
        if not address.startswith(ADDRESS_PREFIX) or not _HEX.fullmatch(digest):
            raise InvalidAddressError(
                f"not a content address: {address[:80]!r} (expected {ADDRESS_PREFIX}<64 hex>)",
                address=address,
            )
        return f"{self._objects}/{digest[:2]}/{digest[2:4]}/{digest}"

    def _body_path(self, salt: bytes) -> str:
        name = salt.hex()
        return f"{self._bodies}/{name[:2]}/{name}"

    def _verified_existing(self, address: str, data: bytes) -> PutResult | None:
        """The stored object of a dedup hit if it is intact, None if it must be replaced.

        A rerun must repair a corrupted object rather than keep deduplicating against it, so the
        stored copy is checked first: header, body size for ``len(data)``, then a full read
        (commitment, every segment, the address). The read costs about as much as the
        encryption the dedup saves (``make bench-storage``, "dedup reruns"). An object whose key
        was destroyed is left alone: erasure is deliberate, not corruption.
        """
        try:
            located = self._locate(address)
            header, _, _, body_len = located
            if body_len != body_length(len(data), header.segment_size):
                raise IntegrityError(f"object {address} has a wrong body size", address=address)
            if self._local:
                stored = self._get_local(address, *located)
            else:
                stored = b"".join(self.iter_plaintext(address))
            if stored != data:  # unreachable short of a keyed-hash collision
                raise IntegrityError(f"object {address} does not hold its data", address=address)
        except ObjectNotFoundError:
            return None  # removed since the existence check (GC): store it again
        except KeyNotFoundError:
            return self._existing(address, len(data))
        except (IntegrityError, WrongKeyError) as exc:
            logger.warning(
                "stored object %s failed its check (%s): sealing it again from the put's data",
                address,
                type(exc).__name__,
            )
            return None
        self.touch(address)  # found by dedup: the caller is about to reference it
        return PutResult(address, len(data), header.header_len + body_len, header.key_id, False)

    def _existing(self, address: str, size: int) -> PutResult:
        header, _, _, body_len = self._locate(address)
        # Found by dedup: the caller is about to reference it, so restart its GC grace period.
        self.touch(address)
        return PutResult(address, size, header.header_len + body_len, header.key_id, False)

    def _header(self, address: str, *, retry: bool = True) -> SealedHeader:
        """The loose header, else the packed one."""
        try:
            return self._loose_header(address)
        except ObjectNotFoundError:
            if address not in self._pack_entries:
                self._refresh_packs()
            entry = self._pack_entries.get(address)
            if entry is None:
                raise
        try:
            raw = self._read_range(
                self._pack_path(entry.pack_id, PACK_SUFFIX), entry.offset, entry.body_offset
            )
        except FileNotFoundError as exc:
            if retry:  # the pack was rewritten by another process: look again
                self._refresh_packs(reload=True)
                return self._header(address, retry=False)
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
        return self._parse_header(address, raw)

    def _loose_header(self, address: str) -> SealedHeader:
        path = self._path(address)
        try:
            raw = self._fs.cat_file(path)
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
        return self._parse_header(address, raw)

    def _parse_header(self, address: str, raw: bytes) -> SealedHeader:
        try:
            header = read_header(raw)
        except MalformedObjectError as exc:
            raise IntegrityError(
                f"object {address} has a malformed header", address=address
            ) from exc
        if header.header_len != len(raw):
            raise IntegrityError(f"object {address} has a malformed header", address=address)
        return header

    def _find(self, root: str) -> Sequence[str]:
        try:
            return sorted(self._fs.find(root))
        except FileNotFoundError:
            return []

    def _writer(self, path: str) -> _BodyWriter:
        return _BodyWriter(self._fs, path, local=self._local)

    def _reader(self, path: str, base: int = 0) -> _BodyReader:
        return _BodyReader(self._fs, path, local=self._local, base=base)

    def _publish(self, path: str, blob: bytes) -> bool:
        """Publish ``blob`` at ``path`` only if absent; False if another writer won."""
        if self._local:
            return _publish_local(path, blob)
        if self._s3:
            try:
                self._fs.pipe_file(path, blob, mode="create")
            except (FileExistsError, OSError) as exc:
                if self._fs.exists(path):
                    return False
                raise exc
            return True
        # Other filesystems (memory://): check-then-put; a racing writer can only replace the
        # header with another valid sealing of the same content.
        if self._fs.exists(path):
            return False
        self._fs.pipe_file(path, blob)
        return True

    def _replace(self, path: str, blob: bytes) -> None:
        if not self._local:
            self._fs.pipe_file(path, blob)
            return
        directory = os.path.dirname(path)
        _makedirs_durable(directory)  # absent for a packed object rotated for the first time
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(directory)


class _BodyWriter:
    """Context manager giving a sink that streams a body to its final path, durably."""

    def __init__(self, fs: Any, path: str, *, local: bool) -> None:
        self._fs, self._path, self._local = fs, path, local
        self._handle: Any = None

    def __enter__(self) -> Callable[[memoryview], object]:
        if self._local:
            _makedirs_durable(os.path.dirname(self._path))
            # The name is a fresh random salt: exclusive create, no temporary name needed.
            self._handle = open(self._path, "xb")
        else:
            self._handle = self._fs.open(self._path, "wb")
        handle = self._handle
        return lambda view: handle.write(view)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        handle = self._handle
        try:
            if exc_type is None and self._local:
                handle.flush()
                os.fsync(handle.fileno())
            handle.close()
        except BaseException:
            self._discard()
            raise
        if exc_type is not None:
            self._discard()
        elif self._local:
            _fsync_dir(os.path.dirname(self._path))

    def _discard(self) -> None:
        with suppress(FileNotFoundError, OSError):
            self._fs.rm_file(self._path)


class _BodyReader:
    """Context manager giving ``read(start, end)`` over a body file."""

    def __init__(self, fs: Any, path: str, *, local: bool, base: int = 0) -> None:
        self._fs, self._path, self._local, self._base = fs, path, local, base
        self._handle: Any = None

    def __enter__(self) -> Callable[[int, int], bytes]:
        base = self._base
        if self._local:
            self._handle = open(self._path, "rb")
            handle = self._handle

            def read_local(start: int, end: int) -> bytes:
                handle.seek(base + start)
                data: bytes = handle.read(end - start)
                return data

            return read_local

        def read_remote(start: int, end: int) -> bytes:
            data: bytes = self._fs.cat_file(self._path, start=base + start, end=base + end)
            return data

        return read_remote

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._handle is not None:
            self._handle.close()


def _dedup(result: PutResult) -> PutResult:
    return PutResult(result.address, result.size, result.stored_size, result.key_id, False)


def _ad(address: str | None, scope: str) -> bytes:
    return _AD_LABEL + (address or "").encode("ascii") + b"\0" + scope.encode("utf-8")


def _mtime(info: dict[str, Any]) -> float:
    for field in ("mtime", "LastModified", "created"):
        value = info.get(field)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        return float(value)
    return 0.0


def _publish_local(path: str, blob: bytes) -> bool:
    directory = os.path.dirname(path)
    _makedirs_durable(directory)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link() fails if the name exists, unlike rename(): a write-once publish.
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINK_ERRNOS or os.path.exists(path):
                raise
            # No hard links here (some FUSE/SMB mounts): a racing writer may replace our header,
            # but only with another valid sealing of the same content.
            os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(directory)
    return True


def _makedirs_durable(directory: str) -> None:
    """Create ``directory`` and missing parents, fsyncing each parent that gained an entry."""
    missing: list[str] = []
    current = directory
    while not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    for path in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(path)
        _fsync_dir(os.path.dirname(path))


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
