import hashlib
import hmac

import pytest

from vault_core.crypto import MasterSecretMissingError, derive_key, master_key_from_secret


def _hkdf_reference(ikm: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF-SHA256 with an absent salt, written out independently of the library."""
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


@pytest.mark.parametrize("length", [16, 32, 64])
def test_derive_key_matches_rfc5869_hkdf_sha256(length: int) -> None:
    master = bytes(range(32))
    assert derive_key(master, "vault/test", length) == _hkdf_reference(
        master, b"vault/test", length
    )


def test_when_purposes_differ_then_derived_keys_differ() -> None:
    master = b"m" * 32
    assert derive_key(master, "a") != derive_key(master, "b")
    assert derive_key(master, "a") == derive_key(master, "a")
    assert len(derive_key(master, "a")) == 32


@pytest.mark.parametrize(("master", "purpose"), [(b"", "p"), (b"m" * 32, "")])
def test_when_master_or_purpose_empty_then_derive_key_refuses(master: bytes, purpose: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        derive_key(master, purpose)


def test_master_key_from_secret_is_scrypt_with_documented_parameters() -> None:
    salt = b"s" * 16
    expected = hashlib.scrypt(b"secret", salt=salt, n=2**15, r=8, p=1, dklen=32, maxmem=2**26)
    assert master_key_from_secret("secret", salt) == expected
    assert master_key_from_secret(b"secret", salt) == expected


def test_when_salt_differs_then_master_key_differs() -> None:
    assert master_key_from_secret("x", b"a" * 16, n=16) != master_key_from_secret(
        "x", b"b" * 16, n=16
    )


def test_when_secret_empty_then_master_secret_missing() -> None:
    with pytest.raises(MasterSecretMissingError):
        master_key_from_secret("", b"salt")


@pytest.mark.parametrize("n", [0, 1, 3, 1000])
def test_when_scrypt_cost_not_power_of_two_then_refused(n: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        master_key_from_secret("x", b"salt", n=n)
