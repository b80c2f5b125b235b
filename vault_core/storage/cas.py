"""Content-addressed store of sealed objects on any fsspec filesystem, addressed by keyed BLAKE3.

Layout under the root (see ``docs/format.md``)::

    objects/<hex[:2]>/<hex[2:4]>/<hex>   the sealed header: published write-once, it commits the
                                         object; rotation replaces it (small) atomically
    bodies/<salt[:2]>/<salt hex>         the segments, named by the header's random salt; written
                                         once before the header and never rewritten

The address is ``b3k2:`` + keyed BLAKE3 of the plaintext with a key derived from the vault
secret *and the scope* (dataset): the same content put in two datasets gives two independent
objects, so shredding one dataset's key never breaks another's copy (GDPR erasure per dataset).
"""

from __future__ import annotations

import errno
import hmac
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    SegmentReader,
    SegmentWriter,
    read_header,
    rewrap_header,
    unwrap_data_key,
)
from vault_core.crypto.envelope import DEFAULT_SEGMENT_EXPONENT, SALT_LEN
from vault_core.storage.exceptions import IntegrityError, InvalidAddressError, ObjectNotFoundError

__all__ = ["ADDRESS_PREFIX", "ContentAddressedStore", "PutResult"]

logger = logging.getLogger(__name__)

ADDRESS_PREFIX = "b3k2:"
ADDRESS_KEY_PURPOSE = "vault/cas-address/v2/"
_AD_LABEL = b"vault/cas/v2\0"
_HEX = re.compile(r"[0-9a-f]{64}")
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}


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
        self._fs, root = url_to_fs(root_url, **(storage_options or {}))
        root = root.rstrip("/")
        self._objects = f"{root}/objects"
        self._bodies = f"{root}/bodies"
        self._local = isinstance(self._fs, LocalFileSystem)
        self._s3 = "s3" in self._fs.protocol
        self._provider = provider
        self._segment_exponent = segment_exponent
        self._address_keys: dict[str, bytes] = {}

    @property
    def provider(self) -> KeyProvider:
        """The key provider sealing this store's objects."""
        return self._provider

    def address_of(self, data: bytes, *, scope: str) -> str:
        """Return the address of ``data`` in ``scope``: ``"b3k2:"`` + 64 hex of keyed BLAKE3."""
        return ADDRESS_PREFIX + blake3.blake3(data, key=self._address_key(scope)).hexdigest()

    def put(self, data: bytes, *, scope: str) -> PutResult:
        """Seal and store ``data`` unless the same content is already stored in ``scope``.

        Args:
            data: Plaintext to store.
            scope: Key scope (dataset or tenant) whose wrapping key seals the object.
        """
        address = self.address_of(data, scope=scope)
        if self._fs.exists(self._path(address)):
            return self._existing(address, len(data))
        return self._put(iter((data,)), scope, address)

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
        return b"".join(self.iter_plaintext(address))

    def iter_plaintext(
        self, address: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Yield plaintext bytes ``[start, end)`` decrypting only the segments they span.

        A full read (the default range) also checks the plaintext against the address at the
        end; every segment is authenticated in any case.
        """
        header = self._header(address)
        data_key = unwrap_data_key(header, self._provider, _ad(address, header.scope))
        body_path = self._body_path(header.salt)
        try:
            body_len = int(self._fs.size(body_path))
        except FileNotFoundError as exc:
            raise IntegrityError(f"object {address} has no body", address=address) from exc
        try:
            reader = SegmentReader(header, data_key, body_len)
        except MalformedObjectError as exc:
            raise IntegrityError(f"object {address} is truncated", address=address) from exc
        full = start <= 0 and (end is None or end >= reader.plaintext_len)
        hasher = blake3.blake3(key=self._address_key(header.scope)) if full else None
        with self._reader(body_path) as read:
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
        """Return whether an object is stored at ``address``."""
        return bool(self._fs.exists(self._path(address)))

    def delete(self, address: str) -> bool:
        """Remove the object at ``address`` (header first, then body); False if there was none."""
        try:
            header = self._header(address)
        except ObjectNotFoundError:
            return False
        except IntegrityError:
            header = None
        with suppress(FileNotFoundError):
            self._fs.rm_file(self._path(address))
        if header is not None:
            with suppress(FileNotFoundError):
                self._fs.rm_file(self._body_path(header.salt))
        logger.debug("deleted %s from %s", address, self.root_url)
        return True

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
        """Yield the address of every stored object, in address order."""
        for path in self._find(self._objects):
            name = path.rsplit("/", 1)[-1]
            if _HEX.fullmatch(name) and path.endswith(f"/{name[:2]}/{name[2:4]}/{name}"):
                yield ADDRESS_PREFIX + name

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

    # -- internals ---------------------------------------------------------------------------

    def _address_key(self, scope: str) -> bytes:
        key = self._address_keys.get(scope)
        if key is None:
            if not scope or "\0" in scope:
                raise ValueError("a scope must be a non-empty string without NUL characters")
            key = self._provider.derive_subkey(ADDRESS_KEY_PURPOSE + scope)
            self._address_keys[scope] = key
        return key

    def _put(self, chunks: Iterator[bytes], scope: str, address: str | None) -> PutResult:
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
        if not self._publish(self._path(address), header):
            self.remove_path(body_path)
            return self._existing(address, size)
        logger.debug("stored %s (%d bytes) in %s", address, writer.body_len, self.root_url)
        return PutResult(address, size, len(header) + writer.body_len, key_id, True)

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

    def _existing(self, address: str, size: int) -> PutResult:
        header = self._header(address)
        stored = header.header_len
        with suppress(FileNotFoundError):
            stored += int(self._fs.size(self._body_path(header.salt)))
        return PutResult(address, size, stored, header.key_id, False)

    def _header(self, address: str) -> SealedHeader:
        path = self._path(address)
        try:
            raw = self._fs.cat_file(path)
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"no object at {address}", address=address) from exc
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

    def _reader(self, path: str) -> _BodyReader:
        return _BodyReader(self._fs, path, local=self._local)

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

    def __init__(self, fs: Any, path: str, *, local: bool) -> None:
        self._fs, self._path, self._local = fs, path, local
        self._handle: Any = None

    def __enter__(self) -> Callable[[int, int], bytes]:
        if self._local:
            self._handle = open(self._path, "rb")
            handle = self._handle

            def read_local(start: int, end: int) -> bytes:
                handle.seek(start)
                data: bytes = handle.read(end - start)
                return data

            return read_local

        def read_remote(start: int, end: int) -> bytes:
            data: bytes = self._fs.cat_file(self._path, start=start, end=end)
            return data

        return read_remote

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._handle is not None:
            self._handle.close()


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
