"""The envelope applied to store objects: seal plaintext into a sink, open it from a reader.

Sealing binds each object's header to its address and scope (``addressing.associated_data``);
opening authenticates every segment it reads and, on a whole read, checks the plaintext against
the address. Decryption and tampering failures become :class:`IntegrityError`; key errors
(``WrongKeyError``, ``KeyNotFoundError``) pass through. No file is touched here: the store hands
in a sink or a range reader of its backend.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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
from vault_core.crypto.envelope import SALT_LEN, TAG_LEN
from vault_core.storage.addressing import AddressKeys, associated_data
from vault_core.storage.backends import RangeReader, Sink
from vault_core.storage.exceptions import IntegrityError

__all__ = ["ObjectSealer", "Sealed", "Sealing"]


@dataclass(frozen=True)
class Sealed:
    """A sealed object: its header (``header_len`` = ``len(header)``) and body length."""

    address: str
    header: bytes
    size: int
    body_len: int
    key_id: str
    salt: bytes


class Sealing:
    """One object being sealed: keys and salt are chosen first, so the body's name is known
    before anything is written (a key error leaves no file behind)."""

    def __init__(self, sealer: ObjectSealer, scope: str, address: str | None) -> None:
        self._sealer, self._scope, self._address = sealer, scope, address
        ad = associated_data(address, scope) if address else b""
        self._key_id, self._data_key, self._wrapped = sealer.provider.generate_data_key(scope, ad)
        self.salt = secrets.token_bytes(SALT_LEN)
        self._hasher = sealer.keys.hasher(scope)

    def seal(self, sink: Sink, chunks: Iterable[bytes]) -> Sealed:
        """Write the body of ``chunks`` to ``sink``; the header is returned, not written."""
        scope, sealer = self._scope, self._sealer
        writer = sealer.segment_writer(sink, scope, self._data_key, self.salt)
        size = 0
        for chunk in chunks:
            self._hasher.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.close()
        address, key_id, wrapped = self._address, self._key_id, self._wrapped
        if address is None:
            address = AddressKeys.address_from(self._hasher)
            # The data key was wrapped before the address was known: wrap it again, bound to it.
            key_id, wrapped = sealer.provider.wrap(
                scope, self._data_key, associated_data(address, scope)
            )
        header = writer.header(key_id, wrapped, associated_data(address, scope))
        return Sealed(address, header, size, writer.body_len, key_id, self.salt)


class ObjectSealer:
    """Seals and opens the objects of one store with its provider and address keys."""

    def __init__(self, provider: KeyProvider, keys: AddressKeys, segment_exponent: int) -> None:
        self.provider = provider
        self.keys = keys
        self._segment_exponent = segment_exponent

    def start(self, scope: str, address: str | None) -> Sealing:
        """Begin sealing an object whose address is known (a put) or not yet (a stream)."""
        return Sealing(self, scope, address)

    def seal_packed(self, sink: Sink, address: str, data: bytes, scope: str) -> Sealed:
        """Write ``header || body`` of ``data`` to ``sink`` (a pack), address known up front."""
        ad = associated_data(address, scope)
        key_id, data_key, wrapped = self.provider.generate_data_key(scope, ad)
        salt = secrets.token_bytes(SALT_LEN)
        writer = self.segment_writer(sink, scope, data_key, salt)
        # The commitment does not depend on the plaintext: the header can lead the body.
        header = writer.header(key_id, wrapped, ad)
        sink(memoryview(header))
        writer.write(data)
        writer.close()
        return Sealed(address, header, len(data), writer.body_len, key_id, salt)

    def segment_writer(self, sink: Sink, scope: str, data_key: bytes, salt: bytes) -> SegmentWriter:
        return SegmentWriter(
            sink, scope=scope, data_key=data_key, segment_exponent=self._segment_exponent, salt=salt
        )

    def rewrap(self, address: str, header: SealedHeader) -> bytes:
        """The header re-wrapped under its scope's current key (the body is untouched)."""
        return rewrap_header(header, self.provider, associated_data(address, header.scope))

    @staticmethod
    def parse_header(address: str, raw: bytes) -> SealedHeader:
        """Parse the stored header of ``address``; it must be exactly ``raw``."""
        try:
            header = read_header(raw)
        except MalformedObjectError as exc:
            raise IntegrityError(
                f"object {address} has a malformed header", address=address
            ) from exc
        if header.header_len != len(raw):
            raise IntegrityError(f"object {address} has a malformed header", address=address)
        return header

    def open(self, address: str, header: SealedHeader, body_len: int) -> SegmentReader:
        """Unwrap the data key and check the body length against the header."""
        data_key = unwrap_data_key(header, self.provider, associated_data(address, header.scope))
        try:
            return SegmentReader(header, data_key, body_len)
        except MalformedObjectError as exc:
            raise IntegrityError(f"object {address} is truncated", address=address) from exc

    def read_whole(
        self, address: str, header: SealedHeader, body: RangeReader, body_len: int
    ) -> bytes:
        """The whole plaintext, checked against ``address``."""
        reader = self.open(address, header, body_len)
        # Read each segment into one reused buffer and decrypt it straight into the result,
        # instead of a fresh ciphertext, plaintext and join copy per segment.
        out = bytearray(reader.plaintext_len)
        view = memoryview(out)
        buffer = memoryview(bytearray(min(reader.stride, body_len)))
        seg = header.segment_size
        for index in range(reader.segments):
            start, end = reader.segment_span(index)
            chunk = buffer[: end - start]
            try:
                if body.readinto(start, chunk) != len(chunk):
                    raise MalformedObjectError("sealed object body is truncated")
                reader.decrypt_into(
                    index, chunk, view[index * seg : index * seg + len(chunk) - TAG_LEN]
                )
            except MalformedObjectError as exc:
                raise IntegrityError(
                    f"object {address} is tampered or truncated", address=address
                ) from exc
        if not AddressKeys.matches(self.keys.address_of(out, header.scope), address):
            raise IntegrityError(f"object {address} does not match its address", address=address)
        return bytes(out)

    def iter_plaintext(
        self,
        address: str,
        header: SealedHeader,
        body: RangeReader,
        body_len: int,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]:
        """Plaintext ``[start, end)``; a full range is also checked against ``address``."""
        reader = self.open(address, header, body_len)
        full = start <= 0 and (end is None or end >= reader.plaintext_len)
        hasher = self.keys.hasher(header.scope) if full else None
        try:
            for piece in reader.iter_plaintext(body.read, start, end):
                if hasher is not None:
                    hasher.update(piece)
                yield piece
        except MalformedObjectError as exc:
            raise IntegrityError(
                f"object {address} is tampered or truncated", address=address
            ) from exc
        if hasher is not None and not AddressKeys.matches(
            AddressKeys.address_from(hasher), address
        ):
            raise IntegrityError(f"object {address} does not match its address", address=address)
