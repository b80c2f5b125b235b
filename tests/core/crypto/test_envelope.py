import hashlib
import hmac
import struct
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.crypto import (
    SEALED_MAGIC,
    CryptoError,
    KeyNotFoundError,
    LocalKeyring,
    MalformedObjectError,
    WrongKeyError,
    open_sealed,
    read_header,
    seal,
)
from vault_core.crypto import envelope as envelope_module

FAST_N = 2**4
AD = b"dataset=ds;record=1"
PLAINTEXT = bytes(range(64))
REJECTIONS = (WrongKeyError, KeyNotFoundError, MalformedObjectError)


class RecordingProvider:
    """Delegates to a keyring and remembers the data keys it wrapped (to prove none leak)."""

    def __init__(self, inner: LocalKeyring) -> None:
        self.inner = inner
        self.data_keys: list[bytes] = []

    def current_key_id(self, scope: str) -> str:
        return self.inner.current_key_id(scope)

    def wrap(self, scope: str, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        self.data_keys.append(data_key)
        return self.inner.wrap(scope, data_key, context)

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        return self.inner.unwrap(key_id, wrapped, context)

    def derive_subkey(self, purpose: str) -> bytes:
        return self.inner.derive_subkey(purpose)


class WrongDataKeyProvider(RecordingProvider):
    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        return b"\x42" * 32


@pytest.fixture(scope="module")
def shared_keyring(tmp_path_factory: pytest.TempPathFactory) -> LocalKeyring:
    return LocalKeyring(tmp_path_factory.mktemp("keys") / "k.json", "secret", scrypt_n=FAST_N)


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=FAST_N)


@pytest.fixture
def sealed(keyring: LocalKeyring) -> bytes:
    return seal(PLAINTEXT, provider=keyring, scope="ds", associated_data=AD)


@settings(max_examples=60, deadline=None)
@given(plaintext=st.binary(max_size=4096), associated_data=st.binary(max_size=64))
def test_seal_then_open_round_trips(
    shared_keyring: LocalKeyring, plaintext: bytes, associated_data: bytes
) -> None:
    blob = seal(plaintext, provider=shared_keyring, scope="ds", associated_data=associated_data)
    assert open_sealed(blob, provider=shared_keyring, associated_data=associated_data) == plaintext


def test_header_follows_documented_layout(keyring: LocalKeyring, sealed: bytes) -> None:
    header = read_header(sealed)
    key_id = b"local:ds:v1"
    assert sealed[:4] == SEALED_MAGIC == b"VLT\x01"
    assert (sealed[4], sealed[5]) == (1, 1)
    assert struct.unpack_from(">H", sealed, 6)[0] == len(key_id)
    assert sealed[8 : 8 + len(key_id)] == key_id
    wrapped_len = struct.unpack_from(">H", sealed, 8 + len(key_id))[0]
    assert (header.format_version, header.algorithm, header.key_id) == (1, 1, "local:ds:v1")
    assert header.wrapped_key_len == wrapped_len == 60  # nonce + 32-byte key + tag
    assert header.header_len == 8 + len(key_id) + 2 + wrapped_len + 12 + 32
    assert header.nonce == sealed[header.header_len - 44 : header.header_len - 32]
    assert len(sealed) == header.header_len + len(PLAINTEXT) + 16


def test_each_object_gets_a_fresh_data_key_and_nonce(keyring: LocalKeyring) -> None:
    provider = RecordingProvider(keyring)
    first = seal(PLAINTEXT, provider=provider, scope="ds", associated_data=AD)
    second = seal(PLAINTEXT, provider=provider, scope="ds", associated_data=AD)
    assert provider.data_keys[0] != provider.data_keys[1]
    assert read_header(first).nonce != read_header(second).nonce
    assert first[read_header(first).header_len :] != second[read_header(second).header_len :]
    assert PLAINTEXT not in first


def test_every_single_bit_flip_is_rejected(keyring: LocalKeyring, sealed: bytes) -> None:
    header_len = read_header(sealed).header_len
    for bit in range(len(sealed) * 8):
        tampered = bytearray(sealed)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(REJECTIONS) as info:
            open_sealed(bytes(tampered), provider=keyring, associated_data=AD)
        if bit // 8 >= header_len - 44:  # nonce, commitment, ciphertext, tag
            assert info.type is WrongKeyError, bit


def test_when_associated_data_differs_then_wrong_key(keyring: LocalKeyring, sealed: bytes) -> None:
    for other in (b"", AD + b"x", AD[:-1], b"dataset=ds;record=2"):
        with pytest.raises(WrongKeyError, match="wrong key or tampered data"):
            open_sealed(sealed, provider=keyring, associated_data=other)


def test_when_master_secret_differs_then_wrong_key(tmp_path: Path, sealed: bytes) -> None:
    # Same key id "local:ds:v1" in an unrelated keyring must not open the object.
    stranger = LocalKeyring(tmp_path / "other.json", "other secret", scrypt_n=FAST_N)
    stranger.current_key_id("ds")
    with pytest.raises(WrongKeyError):
        open_sealed(sealed, provider=stranger, associated_data=AD)


def test_every_truncation_is_rejected(keyring: LocalKeyring, sealed: bytes) -> None:
    header_len = read_header(sealed).header_len
    for cut in range(len(sealed)):
        expected = MalformedObjectError if cut < header_len + 16 else WrongKeyError
        with pytest.raises(expected):
            open_sealed(sealed[:cut], provider=keyring, associated_data=AD)


@pytest.mark.parametrize(
    ("offset", "value", "match"),
    [(0, ord("X"), "magic"), (4, 2, "format version 2"), (5, 9, "algorithm id 9")],
)
def test_when_magic_version_or_algorithm_unknown_then_malformed(
    sealed: bytes, keyring: LocalKeyring, offset: int, value: int, match: str
) -> None:
    tampered = bytearray(sealed)
    tampered[offset] = value
    with pytest.raises(MalformedObjectError, match=match):
        read_header(bytes(tampered))
    with pytest.raises(MalformedObjectError):
        open_sealed(bytes(tampered), provider=keyring, associated_data=AD)


def test_commitment_is_checked_before_decrypting(
    keyring: LocalKeyring, sealed: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    class SpyAESGCM:
        def __init__(self, key: bytes) -> None:
            pass

        def decrypt(self, *args: object) -> bytes:
            calls.append("decrypt")
            return b""

    monkeypatch.setattr(envelope_module, "AESGCM", SpyAESGCM)
    with pytest.raises(WrongKeyError, match="wrong key or tampered data"):
        open_sealed(sealed, provider=WrongDataKeyProvider(keyring), associated_data=AD)
    assert calls == []


def test_when_key_rotated_then_old_objects_open_and_new_ones_use_new_key(
    keyring: LocalKeyring, sealed: bytes
) -> None:
    new_id = keyring.rotate("ds")
    fresh = seal(b"new", provider=keyring, scope="ds", associated_data=AD)
    assert read_header(fresh).key_id == new_id
    assert read_header(sealed).key_id == "local:ds:v1"
    assert open_sealed(sealed, provider=keyring, associated_data=AD) == PLAINTEXT
    assert open_sealed(fresh, provider=keyring, associated_data=AD) == b"new"


def test_when_key_destroyed_then_objects_are_shredded(keyring: LocalKeyring, sealed: bytes) -> None:
    keyring.rotate("ds")
    survivor = seal(b"kept", provider=keyring, scope="ds", associated_data=AD)
    keyring.destroy("local:ds:v1")
    with pytest.raises(KeyNotFoundError) as info:
        open_sealed(sealed, provider=keyring, associated_data=AD)
    assert info.value.key_id == "local:ds:v1"
    assert info.value.destroyed
    assert open_sealed(survivor, provider=keyring, associated_data=AD) == b"kept"


def test_error_messages_never_contain_key_or_plaintext(keyring: LocalKeyring) -> None:
    provider = RecordingProvider(keyring)
    plaintext = b"SSN 078-05-1120 of Jane Roe"
    blob = seal(plaintext, provider=provider, scope="ds", associated_data=AD)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    errors: list[CryptoError] = []
    for candidate, ad in ((tampered, AD), (blob, b"wrong")):
        with pytest.raises(WrongKeyError) as info:
            open_sealed(candidate, provider=provider, associated_data=ad)
        assert str(info.value) == "cannot open sealed object: wrong key or tampered data"
        errors.append(info.value)
    keyring.destroy("local:ds:v1")
    with pytest.raises(KeyNotFoundError) as gone:
        open_sealed(blob, provider=provider, associated_data=AD)
    errors.append(gone.value)
    [data_key] = provider.data_keys
    for exc in errors:
        message = str(exc) + repr(exc) + repr(exc.__cause__)
        assert plaintext.decode() not in message
        assert data_key.hex() not in message
        assert repr(data_key) not in message


def test_gcm_associated_data_is_full_header_then_caller_data(keyring: LocalKeyring) -> None:
    # Pins the documented format so another implementation can open our objects.
    provider = RecordingProvider(keyring)
    blob = seal(PLAINTEXT, provider=provider, scope="ds", associated_data=AD)
    header = read_header(blob)
    [data_key] = provider.data_keys
    body = blob[header.header_len :]
    aead = AESGCM(data_key)
    assert aead.decrypt(header.nonce, body, blob[: header.header_len] + AD) == PLAINTEXT
    with pytest.raises(InvalidTag):
        aead.decrypt(header.nonce, body, AD)
    commitment = hmac.new(
        data_key, b"vault-commit" + blob[: header.header_len - 32], hashlib.sha256
    ).digest()
    assert header.commitment == commitment
