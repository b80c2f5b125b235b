from pathlib import Path

import fsspec
import pytest

from vault_core.crypto import KeyNotFoundError, LocalKeyring
from vault_core.storage import ContentAddressedStore, rotate_scope


@pytest.fixture
def store(tmp_path: Path, keyring: LocalKeyring) -> ContentAddressedStore:
    return ContentAddressedStore(str(tmp_path / "cas"), provider=keyring, segment_exponent=10)


def _bodies(store: ContentAddressedStore) -> dict[str, bytes]:
    fs = fsspec.filesystem("file")
    return {name: fs.cat_file(path) for name, path in store.body_paths()}


def test_when_scope_rotated_then_headers_rewrapped_and_bodies_untouched(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    data = {i: bytes([i]) * (i * 700) for i in range(6)}
    addresses = {i: store.put(d, scope="ds").address for i, d in data.items()}
    other = store.put(b"other dataset", scope="other").address
    bodies = _bodies(store)
    report = rotate_scope(store, "ds")
    assert (report.new_key_id, report.rewrapped, report.unchanged) == ("local:ds:v2", 6, 0)
    assert report.objects_per_second > 0
    assert _bodies(store) == bodies  # payloads never rewritten
    assert {store.key_id_of(a) for a in addresses.values()} == {"local:ds:v2"}
    assert store.key_id_of(other) == "local:other:v1"
    keyring.destroy("local:ds:v1")  # old version protects nothing any more
    for i, address in addresses.items():
        assert store.get(address) == data[i]
    assert rotate_scope(store, "ds", new_version=False).rewrapped == 0


def test_when_dataset_key_shredded_then_its_objects_are_unrecoverable_and_others_intact(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    erased = [store.put(f"row {i} of A".encode(), scope="ds_a").address for i in range(3)]
    rotate_scope(store, "ds_a")  # shredding must cover every version, rotated ones included
    kept = store.put(b"row 0 of A", scope="ds_b").address  # same content, other dataset
    for version in keyring.versions("ds_a"):
        keyring.destroy(version.key_id)
    for address in erased:
        with pytest.raises(KeyNotFoundError) as info:
            store.get(address)
        assert info.value.destroyed
    assert store.get(kept) == b"row 0 of A"
    raw = Path(keyring.path).read_bytes()
    assert b"local:ds_a:v1" not in raw or b'"destroyed"' in raw
