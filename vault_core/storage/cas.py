"""Content-addressed store of sealed objects on any fsspec filesystem, addressed by keyed BLAKE3.

An object file is ``uint16 big-endian scope length | scope (UTF-8) | sealed object`` stored at
``<root>/objects/<hex[:2]>/<hex[2:4]>/<hex>``; the scope is not secret and is authenticated
because the sealed object's associated data is ``address + "\\0" + scope``.
"""

from __future__ import annotations

import errno
import hmac
import logging
import os
import re
import struct
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import blake3
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from vault_core.crypto import (
    KeyProvider,
    MalformedObjectError,
    SealedHeader,
    open_sealed,
    read_header,
    seal,
)
from vault_core.crypto.envelope import MAX_HEADER_LEN
from vault_core.storage.exceptions import IntegrityError, InvalidAddressError, ObjectNotFoundError

__all__ = ["ADDRESS_PREFIX", "ContentAddressedStore", "PutResult"]

logger = logging.getLogger(__name__)

ADDRESS_PREFIX = "b3k1:"
ADDRESS_KEY_PURPOSE = "vault/cas-address/v1"
_HEX = re.compile(r"[0-9a-f]{64}")
_HEAD_PROBE = 4096
# Filesystems that cannot hard-link (some FUSE/SMB mounts) answer with one of these.
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}


@dataclass(frozen=True)
class PutResult:
    """Outcome of :meth:`ContentAddressedStore.put`.

    Attributes:
        address: Content address of the data.
        size: Plaintext size in bytes.
        stored_size: Size of the stored object file in bytes.
        key_id: Wrapping key the stored object is sealed under (the existing one on dedup).
        created: False when the object already existed and nothing was written.
    """

    address: str
    size: int
    stored_size: int
    key_id: str
    created: bool


class ContentAddressedStore:
    """Write-once store of encrypted objects named by a keyed hash of their plaintext.

    Identical content is stored once, whatever the scope it is put with: the first put decides
    the scope and wrapping key, so shredding that key also makes later duplicates unreadable.
    """

    def __init__(
        self,
        root_url: str,
        *,
        provider: KeyProvider,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        """Open a store rooted at ``root_url``.

        Args:
            root_url: Any fsspec URL: ``/abs/path``, ``file:///...``, ``memory://...``,
                ``s3://bucket/prefix``.
            provider: Seals objects and supplies the address key.
            storage_options: Passed to the fsspec filesystem (credentials, endpoint...).
        """
        self.root_url = root_url
        self._fs, root = url_to_fs(root_url, **(storage_options or {}))
        self._objects = f"{root.rstrip('/')}/objects"
        self._local = isinstance(self._fs, LocalFileSystem)
        self._provider = provider
        self._address_key = provider.derive_subkey(ADDRESS_KEY_PURPOSE)

    def address_of(self, data: bytes) -> str:
        """Return the content address of ``data``: ``"b3k1:"`` + 64 hex chars of keyed BLAKE3."""
        return ADDRESS_PREFIX + blake3.blake3(data, key=self._address_key).hexdigest()

    def put(self, data: bytes, *, scope: str) -> PutResult:
        """Seal and store ``data`` unless an object with its address already exists.

        Args:
            data: Plaintext to store.
            scope: Key scope (dataset or tenant) whose wrapping key seals the object.
        """
        scope_bytes = scope.encode("utf-8")
        if not scope_bytes or len(scope_bytes) > 0xFFFF:
            raise ValueError("scope must be a non-empty string of at most 65535 UTF-8 bytes")
        address = self.address_of(data)
        path = self._path(address)
        if self._fs.exists(path):
            return self._existing(address, len(data))
        sealed = seal(
            data, provider=self._provider, scope=scope, associated_data=_ad(address, scope)
        )
        blob = struct.pack(">H", len(scope_bytes)) + scope_bytes + sealed
        created = self._write_local(path, blob) if self._local else self._write_other(path, blob)
        if not created:
            return self._existing(address, len(data))
        logger.debug("stored %s (%d bytes) in %s", address, len(blob), self.root_url)
        return PutResult(address, len(data), len(blob), read_header(sealed).key_id, True)

    def get(self, address: str) -> bytes:
        """Return the plaintext stored at ``address``, verified against the address.

        Raises:
            ObjectNotFoundError: Nothing is stored at ``address``.
            IntegrityError: The object is malformed or its content does not match the address.
            WrongKeyError: The object was tampered with or the provider holds other keys.
            KeyNotFoundError: The object's wrapping key is unknown or was destroyed.
        """
        path = self._path(address)
        try:
            raw = self._fs.cat_file(path)
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
        scope, offset = _split(address, raw)
        try:
            data: bytes = open_sealed(
                raw[offset:], provider=self._provider, associated_data=_ad(address, scope)
            )
        except MalformedObjectError as exc:
            raise IntegrityError(f"object {address} is malformed", address=address) from exc
        if not hmac.compare_digest(self.address_of(data), address):
            raise IntegrityError(f"object {address} does not match its address", address=address)
        return data

    def exists(self, address: str) -> bool:
        """Return whether an object is stored at ``address``."""
        return bool(self._fs.exists(self._path(address)))

    def delete(self, address: str) -> bool:
        """Remove the object at ``address``; return False if there was none."""
        path = self._path(address)
        if not self._fs.exists(path):
            return False
        try:
            self._fs.rm_file(path)
        except FileNotFoundError:
            return False
        logger.debug("deleted %s from %s", address, self.root_url)
        return True

    def key_id_of(self, address: str) -> str:
        """Return the id of the wrapping key the object is sealed under, reading only its head."""
        return self._header(address)[1].key_id

    def scope_of(self, address: str) -> str:
        """Return the key scope the object was stored with, reading only its head."""
        return self._header(address)[0]

    def list(self) -> Iterator[str]:
        """Yield the address of every stored object, in address order."""
        try:
            paths = self._fs.find(self._objects)
        except FileNotFoundError:
            return
        for path in sorted(paths):
            name = path.rsplit("/", 1)[-1]
            if _HEX.fullmatch(name) and path.endswith(f"/{name[:2]}/{name[2:4]}/{name}"):
                yield ADDRESS_PREFIX + name

    # -- internals ---------------------------------------------------------------------------

    def _path(self, address: str) -> str:
        digest = address[len(ADDRESS_PREFIX) :]
        if not address.startswith(ADDRESS_PREFIX) or not _HEX.fullmatch(digest):
            raise InvalidAddressError(
                f"not a content address: {address[:80]!r} (expected {ADDRESS_PREFIX}<64 hex>)",
                address=address,
            )
        return f"{self._objects}/{digest[:2]}/{digest[2:4]}/{digest}"

    def _existing(self, address: str, size: int) -> PutResult:
        key_id = self.key_id_of(address)
        stored_size = int(self._fs.size(self._path(address)))
        return PutResult(address, size, stored_size, key_id, False)

    def _header(self, address: str) -> tuple[str, SealedHeader]:
        path = self._path(address)
        for size in (_HEAD_PROBE, 2 + 0xFFFF + MAX_HEADER_LEN):
            try:
                head = self._fs.cat_file(path, start=0, end=size)
            except FileNotFoundError as exc:
                raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
            try:
                scope, offset = _split(address, head)
                return scope, read_header(head[offset:])
            except (MalformedObjectError, IntegrityError) as exc:
                if len(head) < size:  # the whole file was read: it is malformed
                    raise IntegrityError(f"object {address} is malformed", address=address) from exc
        raise IntegrityError(f"object {address} has an oversized header", address=address)

    def _write_local(self, path: str, blob: bytes) -> bool:
        """Publish ``blob`` at ``path`` durably and only if absent; False if another writer won."""
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
                # No hard links here: a racing writer may replace our object, but with another
                # valid sealing of the same content under the same address.
                os.replace(tmp, path)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(directory)
        return True

    def _write_other(self, path: str, blob: bytes) -> bool:
        # Object stores write a whole object per request; a concurrent writer of the same
        # address can only replace it with an equivalent sealing, so check-then-put is enough.
        if self._fs.exists(path):
            return False
        self._fs.pipe_file(path, blob)
        return True


def _ad(address: str, scope: str) -> bytes:
    return address.encode("ascii") + b"\0" + scope.encode("utf-8")


def _split(address: str, raw: bytes) -> tuple[str, int]:
    """Return the scope stored at the start of an object file and the sealed blob's offset."""
    if len(raw) < 2:
        raise IntegrityError(f"object {address} is truncated", address=address)
    (length,) = struct.unpack_from(">H", raw, 0)
    if length == 0 or len(raw) < 2 + length:
        raise IntegrityError(f"object {address} has a malformed scope header", address=address)
    try:
        return raw[2 : 2 + length].decode("utf-8"), 2 + length
    except UnicodeDecodeError as exc:
        raise IntegrityError(f"object {address} has a malformed scope", address=address) from exc


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
