import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.crypto import (
    SEALED_MAGIC,
    CryptoError,
    KeyNotFoundError,
    LocalKeyring,
    MalformedObjectError,
    SegmentReader,
    SegmentWriter,
    WrongKeyError,
    open_sealed,
    read_header,
    rewrap_header,
    seal,
)
from vault_core.crypto.envelope import TAG_LEN, body_length

FAST_N = 2**4
AD = b"dataset=ds;record=1"
PLAINTEXT = bytes(range(256)) * 10  # 2560 bytes: three 1 KiB segments
EXP = 10
REJECTIONS = (WrongKeyError, KeyNotFoundError, MalformedObjectError)


@pytest.fixture(scope="module")
def shared_keyring(tmp_path_factory: pytest.TempPathFactory) -> LocalKeyring:
    return LocalKeyring(tmp_path_factory.mktemp("keys") / "k.json", "secret", scrypt_n=FAST_N)


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=FAST_N)


@pytest.fixture(scope="module")
def sealed(shared_keyring: LocalKeyring) -> bytes:
    return seal(
        PLAINTEXT, provider=shared_keyring, scope="ds", associated_data=AD, segment_exponent=EXP
    )


@settings(max_examples=60, deadline=None)
@given(
    plaintext=st.binary(max_size=5000),
    associated_data=st.binary(max_size=64),
    exponent=st.sampled_from([10, 11, 20]),
)
def test_when_sealed_then_open_round_trips(
    shared_keyring: LocalKeyring, plaintext: bytes, associated_data: bytes, exponent: int
) -> None:
    blob = seal(
        plaintext,
        provider=shared_keyring,
        scope="ds",
        associated_data=associated_data,
        segment_exponent=exponent,
    )
    header = read_header(blob)
    assert len(blob) - header.header_len == body_length(len(plaintext), 1 << exponent)
    assert open_sealed(blob, provider=shared_keyring, associated_data=associated_data) == plaintext


@settings(max_examples=40, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=3000), max_size=6),
    start=st.integers(0, 9000),
    length=st.integers(0, 9000),
)
def test_when_streamed_in_any_chunks_then_range_reads_match(
    chunks: list[bytes], start: int, length: int
) -> None:
    data_key = bytes(range(32))
    body = bytearray()
    writer = SegmentWriter(lambda view: body.extend(view), scope="ds", data_key=data_key,
                           segment_exponent=EXP)  # fmt: skip
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    plaintext = b"".join(chunks)
    header = read_header(writer.header("k", b"w", AD))
    reader = SegmentReader(header, data_key, len(body))
    assert reader.plaintext_len == len(plaintext)
    read = lambda s, e: bytes(body[s:e])  # noqa: E731
    got = b"".join(reader.iter_plaintext(read, start, start + length))
    assert got == plaintext[start : start + length]


def test_when_header_parsed_then_it_follows_the_documented_layout(sealed: bytes) -> None:
    header = read_header(sealed)
    assert sealed[:4] == SEALED_MAGIC == b"VLTS"
    assert sealed[4:8] == bytes((2, 2, EXP, 0))
    assert header.salt == sealed[8:40]
    assert header.nonce_prefix == sealed[40:47]
    assert struct.unpack(">H", sealed[47:49]) == (2,)
    assert sealed[49:51] == b"ds"
    assert header.fixed == sealed[:51]
    assert header.commitment == sealed[51:83]
    (key_id_len,) = struct.unpack(">H", sealed[83:85])
    assert sealed[85 : 85 + key_id_len] == b"local:ds:v1" == header.key_id.encode()
    assert header.header_len == 85 + key_id_len + 2 + len(header.wrapped_key)
    body = len(sealed) - header.header_len
    assert body == len(PLAINTEXT) + 3 * TAG_LEN


def test_when_sealed_twice_then_salt_prefix_and_wrapped_key_differ(
    shared_keyring: LocalKeyring,
) -> None:
    a = read_header(seal(b"x", provider=shared_keyring, scope="ds", associated_data=AD))
    b = read_header(seal(b"x", provider=shared_keyring, scope="ds", associated_data=AD))
    assert a.salt != b.salt
    assert a.nonce_prefix != b.nonce_prefix
    assert a.wrapped_key != b.wrapped_key
    assert a.commitment != b.commitment


def test_when_any_single_bit_flips_then_opening_fails(
    shared_keyring: LocalKeyring, sealed: bytes
) -> None:
    # Every bit of header, wrapped key, every segment's ciphertext and tag.
    for index in range(len(sealed)):
        for bit in range(8):
            tampered = bytearray(sealed)
            tampered[index] ^= 1 << bit
            with pytest.raises(REJECTIONS):
                open_sealed(bytes(tampered), provider=shared_keyring, associated_data=AD)


def test_when_truncated_anywhere_then_opening_fails(
    shared_keyring: LocalKeyring, sealed: bytes
) -> None:
    header_len = read_header(sealed).header_len
    stride = (1 << EXP) + TAG_LEN
    cuts = [*range(0, header_len + 40), header_len + stride, header_len + 2 * stride]
    cuts += range(len(sealed) - 40, len(sealed))
    for cut in cuts:
        with pytest.raises(REJECTIONS):
            open_sealed(sealed[:cut], provider=shared_keyring, associated_data=AD)


def test_when_associated_data_differs_then_wrong_key(
    shared_keyring: LocalKeyring, sealed: bytes
) -> None:
    with pytest.raises(WrongKeyError):
        open_sealed(sealed, provider=shared_keyring, associated_data=AD + b"x")


def test_when_keyring_has_other_secret_then_key_not_found(tmp_path: Path, sealed: bytes) -> None:
    other = LocalKeyring(tmp_path / "other.json", "other secret", scrypt_n=FAST_N)
    with pytest.raises(KeyNotFoundError):
        open_sealed(sealed, provider=other, associated_data=AD)


def test_when_other_keyring_has_same_key_id_then_wrong_key(tmp_path: Path, sealed: bytes) -> None:
    other = LocalKeyring(tmp_path / "other.json", "secret", scrypt_n=FAST_N)
    other.current_key_id("ds")
    with pytest.raises(WrongKeyError):
        open_sealed(sealed, provider=other, associated_data=AD)


class _WrongDataKey:
    """Returns a different data key than the one sealed: only the commitment can notice."""

    def __init__(self, inner: LocalKeyring) -> None:
        self.inner = inner

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        return b"\x42" * 32


def test_when_data_key_is_wrong_then_commitment_rejects_before_decrypting(
    shared_keyring: LocalKeyring, sealed: bytes
) -> None:
    with pytest.raises(WrongKeyError, match="wrong key"):
        open_sealed(sealed, provider=_WrongDataKey(shared_keyring), associated_data=AD)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [(0, 0x00, "bad magic"), (4, 1, "format version 1"), (5, 9, "algorithm id 9"),
     (6, 40, "segment size"), (7, 1, "flags")],
)  # fmt: skip
def test_when_magic_version_or_algorithm_unknown_then_malformed(
    sealed: bytes, offset: int, value: int, message: str
) -> None:
    tampered = bytearray(sealed)
    tampered[offset] = value
    with pytest.raises(MalformedObjectError, match=message):
        read_header(bytes(tampered))


def test_when_wrapping_key_destroyed_then_object_is_unrecoverable(keyring: LocalKeyring) -> None:
    blob = seal(PLAINTEXT, provider=keyring, scope="ds", associated_data=AD)
    keyring.destroy(read_header(blob).key_id)
    with pytest.raises(KeyNotFoundError) as info:
        open_sealed(blob, provider=keyring, associated_data=AD)
    assert info.value.destroyed


def test_when_header_rewrapped_then_body_unchanged_and_old_key_can_be_destroyed(
    keyring: LocalKeyring,
) -> None:
    blob = seal(PLAINTEXT, provider=keyring, scope="ds", associated_data=AD, segment_exponent=EXP)
    header = read_header(blob)
    keyring.rotate("ds")
    new_header = rewrap_header(header, keyring, AD)
    assert read_header(new_header).key_id == "local:ds:v2"
    keyring.destroy("local:ds:v1")
    rotated = new_header + blob[header.header_len :]
    assert open_sealed(rotated, provider=keyring, associated_data=AD) == PLAINTEXT
    with pytest.raises(KeyNotFoundError):
        open_sealed(blob, provider=keyring, associated_data=AD)


def test_when_errors_raised_then_messages_hold_no_key_or_plaintext(
    shared_keyring: LocalKeyring, sealed: bytes
) -> None:
    secret_plain = b"SSN 123-45-6789" * 4
    blob = seal(secret_plain, provider=shared_keyring, scope="ds", associated_data=AD)
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    for candidate, ad in ((bytes(tampered), AD), (blob, b"other")):
        with pytest.raises(CryptoError) as info:
            open_sealed(candidate, provider=shared_keyring, associated_data=ad)
        text = str(info.value)
        assert "123-45" not in text
        assert blob[8:40].hex() not in text


def test_when_docs_vectors_are_rebuilt_then_bytes_match() -> None:
    import hashlib
    import re

    doc = (Path(__file__).parents[3] / "docs" / "format.md").read_text()
    header_hex = re.search(r"header: ([0-9a-f]+)", doc)
    body_hex = re.search(r"body:   ([0-9a-f]+)", doc)
    body_sha = re.search(r"SHA-256 ([0-9a-f]{64})", doc)
    assert header_hex and body_hex and body_sha  # noqa: PT018
    ad = b"vault/cas/v2\0b3k2:" + b"0" * 64 + b"\0ds"
    for plaintext in (b"vault test vector", bytes(i % 251 for i in range(1500))):
        body = bytearray()
        writer = SegmentWriter(body.extend, scope="ds", data_key=bytes(range(32)),
                               segment_exponent=10, salt=bytes(range(0x40, 0x60)),
                               nonce_prefix=bytes.fromhex("a0a1a2a3a4a5a6"))  # fmt: skip
        writer.write(plaintext)
        writer.close()
        assert writer.header("test:ds:v1", b"\xee" * 8, ad).hex() == header_hex[1]
        if len(plaintext) < 100:
            assert bytes(body).hex() == body_hex[1]
        else:
            assert hashlib.sha256(body).hexdigest() == body_sha[1]
        header = read_header(bytes.fromhex(header_hex[1]))
        reader = SegmentReader(header, bytes(range(32)), len(body))
        read = lambda s, e, body=body: bytes(body[s:e])  # noqa: E731
        assert b"".join(reader.iter_plaintext(read)) == plaintext
