"""Where a store's objects are: loose header and body files or a pack, found through the
backend; which files no committed object uses; when each object was last stored or used.

Reads only: the store (``cas``) writes. A loose header (written by ``put`` or by rotation of a
packed object) wins over a packed one; a pack rewritten by another process is looked up again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass

from vault_core.crypto import SealedHeader
from vault_core.durable import TEMP_PREFIX
from vault_core.storage._packs import PackSet
from vault_core.storage.addressing import Layout
from vault_core.storage.backends import StorageBackend
from vault_core.storage.exceptions import IntegrityError, ObjectNotFoundError
from vault_core.storage.sealing import ObjectSealer

__all__ = ["Located", "ObjectCatalog", "StoredFile"]

Located = tuple[SealedHeader, str, int, int]
"""An object's header and where its body is: ``(header, path, offset, length)``."""


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


class ObjectCatalog:
    """Finds the files of a store's objects (loose or packed) and the unreferenced ones."""

    def __init__(self, backend: StorageBackend, layout: Layout, packs: PackSet) -> None:
        self._backend, self._layout, self._packs = backend, layout, packs

    def exists_loaded(self, address: str) -> bool:
        """Loose header or a pack already loaded (no listing)."""
        return self._backend.exists(self._layout.object_path(address)) or address in self._packs

    def exists(self, address: str) -> bool:
        """Loose or packed, looking for packs published since the last look."""
        if self.exists_loaded(address):
            return True
        self._packs.refresh()
        return address in self._packs

    def addresses(self) -> list[str]:
        """Every stored address (loose or packed), sorted."""
        self._packs.refresh()
        return sorted(set(self._loose_addresses()) | self._packs.addresses())

    def locate(self, address: str, *, retry: bool = True) -> Located:
        """The object's header and where its body is: loose, or packed when the salts match."""
        try:
            header = self.header(address)
            entry = self._packs.get(address)
            if entry is not None and entry.salt == header.salt:
                path = self._packs.pack_path(entry.pack_id)
                return header, path, entry.body_offset, entry.body_len
            body_path = self._layout.body_path(header.salt)
            return header, body_path, 0, self._backend.info(body_path).size
        except FileNotFoundError as exc:
            if retry:  # a pack was rewritten by another process: look again
                self._packs.refresh(reload=True)
                return self.locate(address, retry=False)
            raise IntegrityError(f"object {address} has no body", address=address) from exc

    def header(self, address: str, *, retry: bool = True) -> SealedHeader:
        """The loose header, else the packed one."""
        try:
            return self.loose_header(address)
        except ObjectNotFoundError:
            if address not in self._packs:
                self._packs.refresh()
            entry = self._packs.get(address)
            if entry is None:
                raise
        try:
            raw = self._backend.read_range(
                self._packs.pack_path(entry.pack_id), entry.offset, entry.body_offset
            )
        except FileNotFoundError as exc:
            if retry:  # the pack was rewritten by another process: look again
                self._packs.refresh(reload=True)
                return self.header(address, retry=False)
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
        return ObjectSealer.parse_header(address, raw)

    def loose_header(self, address: str) -> SealedHeader:
        """The header file of ``address``. Raises ObjectNotFoundError, IntegrityError."""
        try:
            raw = self._backend.read(self._layout.object_path(address))
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
        return ObjectSealer.parse_header(address, raw)

    def modified_of(self, address: str) -> float:
        """The newest modification time of the object's header file and its pack's index."""
        times: list[float] = []
        with suppress(FileNotFoundError):
            times.append(self._backend.info(self._layout.object_path(address)).modified)
        entry = self._packs.get(address)
        if entry is not None:
            with suppress(FileNotFoundError):
                times.append(self._backend.info(self._packs.index_path(entry.pack_id)).modified)
        if not times:
            raise ObjectNotFoundError(f"no object at {address}", address=address)
        return max(times)

    def touch(self, address: str) -> None:
        """Set the time of the object's header file and pack index to now (where it can)."""
        paths = [self._layout.object_path(address)]
        entry = self._packs.get(address)
        if entry is not None:
            paths.append(self._packs.index_path(entry.pack_id))
        for path in paths:
            with suppress(FileNotFoundError):
                self._backend.touch(path)

    def unreferenced_files(self) -> Iterator[StoredFile]:
        """Bodies without header, packs without index, temporary files."""
        salts: set[str] = set()
        for address in self._loose_addresses():
            with suppress(IntegrityError, ObjectNotFoundError):
                salts.add(self.loose_header(address).salt.hex())
        for salt, path in self.body_paths():
            if salt not in salts:
                yield self._stored_file(path, "body")
        self._packs.refresh()
        for _, path in self._packs.without_index():
            yield self._stored_file(path, "pack")
        for root in (self._layout.objects, self._layout.bodies, self._layout.packs):
            for path in self._backend.find(root):
                if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
                    yield self._stored_file(path, "temp")

    def packs_without_index(self) -> list[str]:
        """Ids of pack files whose index is absent, after reloading every index."""
        self._packs.refresh(reload=True)
        return [pack_id for pack_id, _ in self._packs.without_index()]

    def body_paths(self) -> Iterator[tuple[str, str]]:
        """``(salt hex, path)`` of every loose body file."""
        for path in self._backend.find(self._layout.bodies):
            salt = self._layout.salt_at(path)
            if salt is not None:
                yield salt, path

    def _loose_addresses(self) -> Iterator[str]:
        for path in self._backend.find(self._layout.objects):
            address = self._layout.address_at(path)
            if address is not None:
                yield address

    def _stored_file(self, path: str, kind: str) -> StoredFile:
        info = self._backend.info(path)
        return StoredFile(path, kind, info.size, info.modified)
