"""Sealing and opening store objects through an in-memory sink and range reader."""

from pathlib import Path

import pytest

from vault_core.crypto import LocalKeyring
from vault_core.storage import IntegrityError
from vault_core.storage.addressing import AddressKeys
from vault_core.storage.sealing import ObjectSealer, Sealed


class _Body:
    """A RangeReader over bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, start: int, end: int) -> bytes:
        return self.data[start:end]

    def readinto(self, start: int, buffer: memoryview) -> int:
        piece = self.data[start : start + len(buffer)]
        buffer[: len(piece)] = piece
        return len(piece)


@pytest.fixture
def sealer(tmp_path: Path) -> ObjectSealer:
    keyring = LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=2**4)
    return ObjectSealer(keyring, AddressKeys(keyring), segment_exponent=10)


def _seal(sealer: ObjectSealer, data: bytes, *, known: bool) -> tuple[Sealed, bytes]:
    body = bytearray()
    address = sealer.keys.address_of(data, "ds") if known else None
    sealed = sealer.start("ds", address).seal(body.extend, iter([data[:700], data[700:]]))
    return sealed, bytes(body)


@pytest.mark.parametrize("known", [True, False], ids=["put", "stream"])
@pytest.mark.parametrize("size", [0, 1, 1024, 5000])
def test_sealed_object_opens_whole_and_in_ranges(
    sealer: ObjectSealer, known: bool, size: int
) -> None:
    data = bytes(i % 251 for i in range(size))
    sealed, body = _seal(sealer, data, known=known)
    assert sealed.address == sealer.keys.address_of(data, "ds")
    assert (sealed.size, sealed.body_len) == (size, len(body))
    header = ObjectSealer.parse_header(sealed.address, sealed.header)
    assert sealer.read_whole(sealed.address, header, _Body(body), len(body)) == data
    pieces = sealer.iter_plaintext(sealed.address, header, _Body(body), len(body), 3, 2000)
    assert b"".join(pieces) == data[3:2000]


def test_packed_object_leads_with_its_header(sealer: ObjectSealer) -> None:
    out = bytearray()
    address = sealer.keys.address_of(b"small", "ds")
    sealed = sealer.seal_packed(out.extend, address, b"small", "ds")
    assert bytes(out[: len(sealed.header)]) == sealed.header
    header = ObjectSealer.parse_header(address, sealed.header)
    assert (
        sealer.read_whole(address, header, _Body(bytes(out[len(sealed.header) :])), sealed.body_len)
        == b"small"
    )


def test_when_body_is_flipped_or_cut_then_integrity_error(sealer: ObjectSealer) -> None:
    sealed, body = _seal(sealer, b"x" * 3000, known=True)
    header = ObjectSealer.parse_header(sealed.address, sealed.header)
    flipped = body[:-1] + bytes([body[-1] ^ 1])
    for bad in (flipped, body[:-1]):
        with pytest.raises(IntegrityError):
            sealer.read_whole(sealed.address, header, _Body(bad), len(bad))
        with pytest.raises(IntegrityError):
            b"".join(sealer.iter_plaintext(sealed.address, header, _Body(bad), len(bad)))
    with pytest.raises(IntegrityError):  # a short read of the full length
        sealer.read_whole(sealed.address, header, _Body(body[:-1]), len(body))


def test_when_header_has_trailing_bytes_then_integrity_error(sealer: ObjectSealer) -> None:
    sealed, _ = _seal(sealer, b"data", known=True)
    with pytest.raises(IntegrityError):
        ObjectSealer.parse_header(sealed.address, sealed.header + b"\0")
