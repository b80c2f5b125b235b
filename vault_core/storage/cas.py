"""Content-addressed store of sealed objects: addressing, dedup, packs and the GC and rotation
hooks, over a storage backend (a local disk or any fsspec filesystem).

The store decides *what* is written and in which order (body, then the header that commits it;
a pack, then the index that commits the batch); the backend (``backends/``) decides *how* a file
is written durably on its filesystem. Addresses and the layout are in ``addressing``, sealing
and opening in ``sealing``, packs in ``_packs``.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any

from vault_core.crypto import KeyNotFoundError, KeyProvider, SealedHeader, WrongKeyError
from vault_core.crypto.envelope import DEFAULT_SEGMENT_EXPONENT, body_length
from vault_core.storage._catalog import Located, ObjectCatalog, StoredFile
from vault_core.storage._locks import ScopeLocks
from vault_core.storage._packs import PackSet
from vault_core.storage.addressing import ADDRESS_PREFIX, AddressKeys, Layout
from vault_core.storage.backends import StorageBackend, open_backend
from vault_core.storage.exceptions import IntegrityError, ObjectNotFoundError
from vault_core.storage.sealing import ObjectSealer

__all__ = ["ADDRESS_PREFIX", "PACK_MAX_OBJECT", "ContentAddressedStore", "PutResult", "StoredFile"]

logger = logging.getLogger(__name__)

PACK_MAX_OBJECT = 4 << 20
"""``put_many`` packs objects up to this size; larger ones are stored loose (bandwidth-bound)."""
_PACK_TARGET = 64 << 20


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
        self._backend = open_backend(root_url, storage_options)
        self._layout = Layout(self._backend.root)
        self._packs = PackSet(self._backend, self._layout)
        self._catalog = ObjectCatalog(self._backend, self._layout, self._packs)
        self._provider = provider
        self._keys = AddressKeys(provider)
        self._sealer = ObjectSealer(provider, self._keys, segment_exponent)
        self._locks = ScopeLocks(root_url, self._backend.lock_dir("locks"))

    @property
    def provider(self) -> KeyProvider:
        """The key provider sealing this store's objects."""
        return self._provider

    @property
    def backend(self) -> StorageBackend:
        """The storage backend holding this store's files."""
        return self._backend

    def address_of(self, data: bytes, *, scope: str) -> str:
        """Return the address of ``data`` in ``scope``: ``"b3k2:"`` + 64 hex of keyed BLAKE3."""
        return self._keys.address_of(data, scope)

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
        self._packs.refresh()
        results: list[PutResult | None] = [None] * len(datas)
        first: dict[str, int] = {}
        batch: list[int] = []
        for i, (address, data) in enumerate(zip(addresses, datas, strict=True)):
            if address in first:
                continue
            first[address] = i
            if self._catalog.exists_loaded(address):
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
        return self._read_whole(address, self._catalog.locate(address))

    def _read_whole(self, address: str, located: Located) -> bytes:
        header, body_path, base, body_len = located
        with self._backend.open_reader(body_path, base) as body:
            return self._sealer.read_whole(address, header, body, body_len)

    def iter_plaintext(
        self, address: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Yield plaintext bytes ``[start, end)`` decrypting only the segments they span.

        A full read (the default range) also checks the plaintext against the address at the
        end; every segment is authenticated in any case.
        """
        header, body_path, base, body_len = self._catalog.locate(address)
        with self._backend.open_reader(body_path, base) as body:
            yield from self._sealer.iter_plaintext(address, header, body, body_len, start, end)

    def get_range(self, address: str, start: int, end: int) -> bytes:
        """Return plaintext bytes ``[start, end)`` reading only the segments they span."""
        return b"".join(self.iter_plaintext(address, start, end))

    def exists(self, address: str) -> bool:
        """Return whether an object is stored at ``address`` (loose or packed)."""
        return self._catalog.exists(address)

    def delete(self, address: str) -> bool:
        """Remove the object at ``address`` (header first, then body); False if there was none."""
        return self.delete_many([address]) == 1

    def delete_many(self, addresses: Iterable[str]) -> int:
        """Remove objects, rewriting each pack they are in once; return how many existed.

        A pack is immutable: removing packed objects writes a new pack of the survivors,
        commits its index, then removes the old index and pack.
        """
        self._packs.refresh()
        removed = 0
        drop: dict[str, set[str]] = {}
        for address in addresses:
            found = False
            path = self._layout.object_path(address)
            try:
                header: SealedHeader | None = self._catalog.loose_header(address)
            except ObjectNotFoundError:
                header = None
            except IntegrityError:
                header, found = None, True
            if header is not None or found:
                found = True
                self._backend.delete(path)
                if header is not None:
                    self._backend.delete(self._layout.body_path(header.salt))
            entry = self._packs.get(address)
            if entry is not None:
                found = True
                drop.setdefault(entry.pack_id, set()).add(address)
            removed += found
        for pack_id, dropped in drop.items():
            self._packs.remove(pack_id, dropped)
        logger.debug("deleted %d objects from %s", removed, self.root_url)
        return removed

    def header_of(self, address: str) -> SealedHeader:
        """Return the parsed (public) header of the object at ``address``."""
        return self._catalog.header(address)

    def key_id_of(self, address: str) -> str:
        """Return the id of the wrapping key the object is sealed under, reading only its header."""
        return self._catalog.header(address).key_id

    def scope_of(self, address: str) -> str:
        """Return the key scope the object was stored with, reading only its header."""
        return self._catalog.header(address).scope

    def list(self) -> Iterator[str]:
        """Yield the address of every stored object (loose or packed), in address order."""
        yield from self._catalog.addresses()

    def list_scope(self, scope: str) -> Iterator[str]:
        """Yield the addresses of the objects stored in ``scope`` (reads every header)."""
        for address in self.list():
            with suppress(IntegrityError, ObjectNotFoundError):
                if self._catalog.header(address).scope == scope:
                    yield address

    # -- rotation hooks ----------------------------------------------------------------------

    def key_switch(self, scope: str) -> AbstractContextManager[None]:
        """Context manager excluding every put of ``scope`` (rotation changes its key under it).

        Entering waits until puts in flight have published; puts starting later wait for the
        exit, then seal under the new current key.
        """
        return self._locks.exclusive(scope)

    def rewrap(self, address: str) -> bool:
        """Re-wrap the object's data key under its scope's current key; the body is untouched.

        Returns:
            False if the object already uses the current key.
        """
        header = self._catalog.header(address)
        if header.key_id == self._provider.current_key_id(header.scope):
            return False
        self._backend.replace(
            self._layout.object_path(address), self._sealer.rewrap(address, header)
        )
        return True

    # -- garbage collection hooks ------------------------------------------------------------

    def modified_of(self, address: str) -> float:
        """When the object was last stored or found by a dedup put (seconds since the epoch).

        The newest of its header file and the index of the pack holding it.
        """
        return self._catalog.modified_of(address)

    def unreferenced_files(self) -> Iterator[StoredFile]:
        """Yield files no committed object uses: bodies without header, packs without index,
        temporary files. Recent ones may belong to a put in progress: mind their age."""
        return self._catalog.unreferenced_files()

    def packs_without_index(self) -> builtins.list[str]:
        """Ids of pack files whose index is absent (a lost index, or a batch not committed).

        Reloads every pack index, so indexes removed since the last look are seen as gone.
        """
        return self._catalog.packs_without_index()

    def body_paths(self) -> Iterator[tuple[str, str]]:
        """Yield ``(salt hex, path)`` of every body file (for garbage collection)."""
        return self._catalog.body_paths()

    def body_path_of(self, header: SealedHeader) -> str:
        """Path of the body file a header refers to."""
        return self._layout.body_path(header.salt)

    def modified(self, path: str) -> float:
        """Modification time of a stored file, in seconds since the epoch."""
        return self._backend.info(path).modified

    def remove_path(self, path: str) -> None:
        """Remove one stored file (garbage collection)."""
        self._backend.delete(path)

    def touch(self, address: str) -> None:
        """Mark the object as just used (local stores): garbage collection's grace restarts."""
        self._catalog.touch(address)

    # -- internals ---------------------------------------------------------------------------

    def _put(
        self, chunks: Iterator[bytes], scope: str, address: str | None, *, replace: bool = False
    ) -> PutResult:
        """Seal and publish; ``replace`` overwrites a corrupt header instead of deduplicating."""
        # From the key id to the published header: rotation must not switch keys in between.
        with self._locks.shared(scope):
            sealing = self._sealer.start(scope, address)
            body_path = self._layout.body_path(sealing.salt)
            with self._backend.open_writer(body_path) as sink:
                sealed = sealing.seal(sink, chunks)
            address = sealed.address
            path = self._layout.object_path(address)
            if replace:
                # Repair: the new header and body supersede the corrupt object (a loose header
                # wins over a packed one); its old body, now without header, is left to GC.
                self._backend.replace(path, sealed.header)
                logger.warning("replaced corrupt object %s in %s", address, self.root_url)
            elif not self._backend.publish(path, sealed.header):
                self._backend.delete(body_path)
                return self._existing(address, sealed.size)
        logger.debug("stored %s (%d bytes) in %s", address, sealed.body_len, self.root_url)
        stored = len(sealed.header) + sealed.body_len
        return PutResult(address, sealed.size, stored, sealed.key_id, True)

    def _write_pack(
        self, items: Sequence[tuple[str, bytes]], scope: str
    ) -> builtins.list[PutResult]:
        with self._locks.shared(scope):
            sealed = self._packs.write(
                items,
                lambda sink, address, data: self._sealer.seal_packed(sink, address, data, scope),
            )
        return [
            PutResult(s.address, s.size, len(s.header) + s.body_len, s.key_id, True) for s in sealed
        ]

    def _verified_existing(self, address: str, data: bytes) -> PutResult | None:
        """The stored object of a dedup hit if it is intact, None if it must be replaced.

        A rerun must repair a corrupted object rather than keep deduplicating against it, so the
        stored copy is checked first: header, body size for ``len(data)``, then a full read
        (commitment, every segment, the address). The read costs about as much as the
        encryption the dedup saves (``make bench-storage``, "dedup reruns"). An object whose key
        was destroyed is left alone: erasure is deliberate, not corruption.
        """
        try:
            located = self._catalog.locate(address)
            header, _, _, body_len = located
            if body_len != body_length(len(data), header.segment_size):
                raise IntegrityError(f"object {address} has a wrong body size", address=address)
            if self._read_whole(address, located) != data:  # short of a keyed-hash collision
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
        header, _, _, body_len = self._catalog.locate(address)
        # Found by dedup: the caller is about to reference it, so restart its GC grace period.
        self.touch(address)
        return PutResult(address, size, header.header_len + body_len, header.key_id, False)


def _dedup(result: PutResult) -> PutResult:
    return PutResult(result.address, result.size, result.stored_size, result.key_id, False)
