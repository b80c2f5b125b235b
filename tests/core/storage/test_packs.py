from pathlib import Path

import fsspec
import pytest

from vault_core.crypto import KeyNotFoundError, LocalKeyring
from vault_core.storage import (
    PACK_MAX_OBJECT,
    ContentAddressedStore,
    CorruptPackError,
    IntegrityError,
    rotate_scope,
    verify_store,
)

FAST_N = 2**4


@pytest.fixture(params=["local", "memory"])
def root_url(request: pytest.FixtureRequest, tmp_path: Path, memory_url: str) -> str:
    return memory_url if request.param == "memory" else str(tmp_path / "cas")


@pytest.fixture
def store(root_url: str, keyring: LocalKeyring) -> ContentAddressedStore:
    return ContentAddressedStore(root_url, provider=keyring, segment_exponent=10)


def _pack_files(root_url: str) -> list[str]:
    fs, root = fsspec.core.url_to_fs(root_url)
    return sorted(p.rsplit("/", 1)[-1] for p in fs.find(f"{root}/packs"))


def test_when_many_objects_put_then_one_pack_holds_them_and_all_read_back(
    store: ContentAddressedStore, root_url: str
) -> None:
    items = [f"object {i} ".encode() * (i * 37 + 1) for i in range(40)]
    results = store.put_many(items, scope="ds")
    assert [r.created for r in results] == [True] * 40
    assert [store.get(r.address) for r in results] == items
    files = _pack_files(root_url)
    assert len(files) == 2
    assert {f.rsplit(".", 1)[1] for f in files} == {"pack", "idx"}
    assert sorted(store.list()) == sorted(r.address for r in results)
    assert store.get_range(results[39].address, 1000, 1100) == items[39][1000:1100]
    reopened = ContentAddressedStore(root_url, provider=store.provider)
    assert reopened.exists(results[7].address)
    assert reopened.get(results[7].address) == items[7]
    assert verify_store(reopened).ok


def test_when_content_repeats_or_exists_then_put_many_dedups(
    store: ContentAddressedStore,
) -> None:
    loose = store.put(b"already loose", scope="ds")
    results = store.put_many([b"a", b"already loose", b"a", b"b"], scope="ds")
    assert [r.created for r in results] == [True, False, False, True]
    assert results[1].address == loose.address
    assert results[0].address == results[2].address
    again = store.put_many([b"a", b"b"], scope="ds")
    assert [r.created for r in again] == [False, False]
    assert store.put(b"a", scope="ds").created is False
    assert len(list(store.list())) == 3


def test_when_object_is_large_then_put_many_stores_it_loose(
    store: ContentAddressedStore, root_url: str
) -> None:
    big = bytes(PACK_MAX_OBJECT + 1)
    result = store.put_many([big], scope="ds")[0]
    assert result.created
    assert store.get(result.address) == big
    assert _pack_files(root_url) == []


def test_when_packed_body_flips_a_bit_then_get_raises_integrity_error(
    store: ContentAddressedStore, root_url: str
) -> None:
    results = store.put_many([b"x" * 3000, b"y" * 3000], scope="ds")
    fs, root = fsspec.core.url_to_fs(root_url)
    pack = next(p for p in fs.find(f"{root}/packs") if p.endswith(".pack"))
    raw = bytearray(fs.cat_file(pack))
    raw[-10] ^= 1  # inside the last object's body
    fs.pipe_file(pack, bytes(raw))
    assert store.get(results[0].address) == b"x" * 3000
    with pytest.raises(IntegrityError):
        store.get(results[1].address)
    assert set(verify_store(store).failures) == {results[1].address}


def test_when_pack_index_is_corrupt_then_typed_error(
    store: ContentAddressedStore, root_url: str
) -> None:
    store.put_many([b"one", b"two"], scope="ds")
    fs, root = fsspec.core.url_to_fs(root_url)
    index = next(p for p in fs.find(f"{root}/packs") if p.endswith(".idx"))
    fs.pipe_file(index, fs.cat_file(index)[:-1])
    with pytest.raises(CorruptPackError) as info:
        list(ContentAddressedStore(root_url, provider=store.provider).list())
    assert info.value.pack_id in index


def test_when_packed_objects_deleted_then_pack_is_rewritten_without_them(
    store: ContentAddressedStore, root_url: str
) -> None:
    results = store.put_many([b"keep me", b"drop me", b"drop me too"], scope="ds")
    assert store.delete_many([results[1].address, results[2].address]) == 2
    assert list(store.list()) == [results[0].address]
    assert store.get(results[0].address) == b"keep me"
    assert len(_pack_files(root_url)) == 2
    assert store.delete(results[0].address) is True
    assert list(store.list()) == []
    assert _pack_files(root_url) == []
    assert store.delete(results[0].address) is False


def test_when_packed_scope_rotated_and_old_key_destroyed_then_objects_still_open(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    results = store.put_many([b"alpha" * 300, b"beta" * 300], scope="ds")
    report = rotate_scope(store, "ds")
    assert report.rewrapped == 2
    keyring.destroy("local:ds:v1")
    assert store.get(results[0].address) == b"alpha" * 300
    assert store.key_id_of(results[1].address) == "local:ds:v2"
    keyring.destroy("local:ds:v2")
    with pytest.raises(KeyNotFoundError):
        store.get(results[1].address)
