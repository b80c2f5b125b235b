from pathlib import Path

import pytest

from vault_core.crypto import LocalKeyring
from vault_core.storage import InvalidAddressError
from vault_core.storage.addressing import (
    ADDRESS_PREFIX,
    AddressKeys,
    Layout,
    associated_data,
    digest_hex,
)

DIGEST = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "address",
    ["", DIGEST, "b3k1:" + DIGEST, ADDRESS_PREFIX + DIGEST.upper(), ADDRESS_PREFIX + DIGEST[:-1]],
)
def test_when_not_a_content_address_then_invalid_address(address: str) -> None:
    with pytest.raises(InvalidAddressError):
        digest_hex(address)


def test_layout_paths_and_their_inverse() -> None:
    layout = Layout("/root")
    path = layout.object_path(ADDRESS_PREFIX + DIGEST)
    assert path == f"/root/objects/01/23/{DIGEST}"
    assert Layout.address_at(path) == ADDRESS_PREFIX + DIGEST
    assert Layout.address_at(f"/root/objects/01/{DIGEST}") is None  # not where it belongs
    salt = bytes.fromhex(DIGEST)
    assert layout.body_path(salt) == f"/root/bodies/01/{DIGEST}"
    assert Layout.salt_at(layout.body_path(salt)) == DIGEST
    assert Layout.salt_at("/root/bodies/01/.tmp-abc") is None
    assert layout.pack_path("p", ".idx") == "/root/packs/p.idx"


def test_associated_data_binds_address_and_scope() -> None:
    address = ADDRESS_PREFIX + DIGEST
    assert associated_data(address, "a") != associated_data(address, "b")
    assert associated_data(address, "a") != associated_data(None, "a")


def test_address_keys_differ_per_scope_and_refuse_bad_scopes(tmp_path: Path) -> None:
    keys = AddressKeys(LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=2**4))
    assert keys.address_of(b"x", "a") != keys.address_of(b"x", "b")
    hasher = keys.hasher("a")
    hasher.update(b"x")
    assert AddressKeys.address_from(hasher) == keys.address_of(b"x", "a")
    for scope in ("", "a\0b"):
        with pytest.raises(ValueError, match="scope"):
            keys.key(scope)
