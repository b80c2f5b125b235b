import errno
import os
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.crypto import KeyNotFoundError, LocalKeyring, WrongKeyError, read_header
from vault_core.exceptions import TerminalError
from vault_core.storage import (
    ADDRESS_PREFIX,
    ContentAddressedStore,
    IntegrityError,
    InvalidAddressError,
    ObjectNotFoundError,
    PutResult,
)

FAST_N = 2**4
ADDRESS = re.compile(r"b3k2:[0-9a-f]{64}")
TAMPER_REJECTIONS = (IntegrityError, WrongKeyError, KeyNotFoundError)


@pytest.fixture(params=["local", "file_url", "memory"])
def root_url(request: pytest.FixtureRequest, tmp_path: Path, memory_url: str) -> str:
    if request.param == "memory":
        return memory_url
    if request.param == "file_url":
        return (tmp_path / "cas").as_uri()
    return str(tmp_path / "cas")


@pytest.fixture
def store(root_url: str, keyring: LocalKeyring) -> ContentAddressedStore:
    return ContentAddressedStore(root_url, provider=keyring)


def _object_path(root_url: str, address: str) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, root = fsspec.core.url_to_fs(root_url)
    digest = address.removeprefix(ADDRESS_PREFIX)
    return fs, f"{root}/objects/{digest[:2]}/{digest[2:4]}/{digest}"


def test_put_then_get_round_trips(store: ContentAddressedStore) -> None:
    result = store.put(b"hello vault", scope="ds")
    assert isinstance(result, PutResult)
    assert ADDRESS.fullmatch(result.address)
    assert result.address == store.address_of(b"hello vault", scope="ds")
    assert (result.size, result.key_id, result.created) == (11, "local:ds:v1", True)
    assert store.get(result.address) == b"hello vault"


def test_object_is_stored_sealed_at_documented_path(
    store: ContentAddressedStore, root_url: str
) -> None:
    plaintext = b"Jane Roe, 078-05-1120, jane@example.org"
    result = store.put(plaintext, scope="ds")
    fs, path = _object_path(root_url, result.address)
    raw = fs.cat_file(path)
    header = read_header(raw)
    body_path = store.body_path_of(header)
    body = fs.cat_file(body_path)
    assert body_path.endswith(f"/bodies/{header.salt.hex()[:2]}/{header.salt.hex()}")
    assert len(raw) + len(body) == result.stored_size
    assert raw[:4] == b"VLTS"
    assert header.scope == "ds"
    assert plaintext not in raw
    assert plaintext not in body
    assert store.scope_of(result.address) == "ds"


def test_when_content_repeats_then_stored_once_and_not_rewritten(
    store: ContentAddressedStore, root_url: str
) -> None:
    first = store.put(b"same", scope="ds")
    fs, path = _object_path(root_url, first.address)
    before = fs.cat_file(path)
    second = store.put(b"same", scope="ds")
    assert second == PutResult(first.address, 4, first.stored_size, first.key_id, False)
    assert fs.cat_file(path) == before  # a rewrite would use a fresh data key
    assert list(store.list()) == [first.address]


def test_when_same_content_in_two_scopes_then_objects_are_independent(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    a = store.put(b"same", scope="ds_a")
    b = store.put(b"same", scope="ds_b")
    assert a.address != b.address
    assert b.created
    keyring.destroy(a.key_id)  # GDPR erasure of dataset A only
    with pytest.raises(KeyNotFoundError):
        store.get(a.address)
    assert store.get(b.address) == b"same"


def test_exists_list_and_delete(store: ContentAddressedStore) -> None:
    assert list(store.list()) == []
    addresses = {store.put(bytes([i]) * 10, scope="ds").address for i in range(5)}
    assert set(store.list()) == addresses
    assert list(store.list()) == sorted(addresses)
    victim = sorted(addresses)[0]
    assert store.exists(victim)
    assert store.delete(victim) is True
    assert store.delete(victim) is False
    assert not store.exists(victim)
    assert set(store.list()) == addresses - {victim}
    with pytest.raises(ObjectNotFoundError) as info:
        store.get(victim)
    assert info.value.address == victim
    assert isinstance(info.value, TerminalError)


def test_when_address_missing_then_not_found(store: ContentAddressedStore) -> None:
    address = store.address_of(b"never stored", scope="ds")
    assert not store.exists(address)
    for call in (store.get, store.key_id_of):
        with pytest.raises(ObjectNotFoundError):
            call(address)


@pytest.mark.parametrize(
    "address", ["", "b3k1:abc", "b3k1:" + "A" * 64, "sha256:" + "0" * 64, "b3k1:" + "0" * 65]
)
def test_when_address_malformed_then_invalid_address(
    store: ContentAddressedStore, address: str
) -> None:
    with pytest.raises(InvalidAddressError):
        store.get(address)
    with pytest.raises(InvalidAddressError):
        store.exists(address)


def test_every_tampered_byte_of_a_stored_object_is_rejected(
    store: ContentAddressedStore, root_url: str
) -> None:
    address = store.put(b"x" * 64, scope="ds").address
    fs, path = _object_path(root_url, address)
    body_path = store.body_path_of(store.header_of(address))
    for target in (path, body_path):
        original = fs.cat_file(target)
        for position in range(len(original)):
            tampered = bytearray(original)
            tampered[position] ^= 0x01
            fs.pipe_file(target, bytes(tampered))
            with pytest.raises(TAMPER_REJECTIONS):
                store.get(address)
        for cut in (0, 1, len(original) - 1):
            fs.pipe_file(target, original[:cut])
            with pytest.raises(TAMPER_REJECTIONS):
                store.get(address)
        fs.pipe_file(target, original)
    assert store.get(address) == b"x" * 64
    fs.pipe_file(path, b"\0\0\0")
    with pytest.raises(IntegrityError) as info:
        store.get(address)
    assert info.value.address == address


def test_when_object_moved_to_another_address_then_rejected(
    store: ContentAddressedStore, root_url: str
) -> None:
    first = store.put(b"first", scope="ds").address
    second = store.put(b"second", scope="ds").address
    fs, first_path = _object_path(root_url, first)
    _, second_path = _object_path(root_url, second)
    fs.pipe_file(second_path, fs.cat_file(first_path))
    with pytest.raises(WrongKeyError):
        store.get(second)


def test_when_content_does_not_match_address_then_integrity_error(
    store: ContentAddressedStore, root_url: str, keyring: LocalKeyring
) -> None:
    # A validly sealed object bound to the address, but holding other content (only someone
    # holding the keys can make one).
    address = store.address_of(b"expected", scope="ds")
    store._put(iter([b"forged"]), "ds", address)
    with pytest.raises(IntegrityError, match="does not match"):
        store.get(address)


def test_key_id_of_reads_header_and_follows_rotation(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    old = store.put(b"old", scope="ds")
    keyring.rotate("ds")
    new = store.put(b"new", scope="ds")
    assert new.key_id == "local:ds:v2"
    assert store.key_id_of(old.address) == "local:ds:v1"
    assert store.key_id_of(new.address) == "local:ds:v2"
    assert store.get(old.address) == b"old"


def test_long_scope_is_read_back_from_header(store: ContentAddressedStore) -> None:
    scope = "tenant-" + "s" * 6000
    result = store.put(b"data", scope=scope)
    assert store.key_id_of(result.address) == f"local:{scope}:v1"
    assert store.scope_of(result.address) == scope
    assert store.get(result.address) == b"data"


def test_when_key_destroyed_then_object_is_shredded(
    store: ContentAddressedStore, keyring: LocalKeyring
) -> None:
    result = store.put(b"erase me", scope="ds")
    keyring.destroy(result.key_id)
    with pytest.raises(KeyNotFoundError):
        store.get(result.address)


def test_address_is_keyed_by_the_master_secret(tmp_path: Path, root_url: str) -> None:
    first = LocalKeyring(tmp_path / "a.json", "secret one", scrypt_n=FAST_N)
    second = LocalKeyring(tmp_path / "b.json", "secret two", scrypt_n=FAST_N)
    reopened = LocalKeyring(tmp_path / "a.json", "secret one")
    data = b"same data"
    address = ContentAddressedStore(root_url, provider=first).address_of(data, scope="ds")
    assert ContentAddressedStore(root_url, provider=second).address_of(data, scope="ds") != address
    assert (
        ContentAddressedStore(root_url, provider=reopened).address_of(data, scope="ds") == address
    )


def test_when_threads_put_same_content_then_one_object(
    store: ContentAddressedStore, root_url: str
) -> None:
    barrier = threading.Barrier(16)
    results: list[PutResult] = []

    def put() -> None:
        barrier.wait()
        results.append(store.put(b"contended" * 1000, scope="ds"))

    threads = [threading.Thread(target=put) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.address for r in results}) == 1
    assert list(store.list()) == [results[0].address]
    assert store.get(results[0].address) == b"contended" * 1000
    fs, path = _object_path(root_url, results[0].address)
    assert fs.ls(path.rsplit("/", 1)[0], detail=False) == [path]  # no temp files left
    if not root_url.startswith("memory://"):
        assert sum(r.created for r in results) == 1
        assert len(list(store.body_paths())) == 1  # the losers removed their bodies


def test_when_hard_links_unsupported_then_put_falls_back_to_rename(
    tmp_path: Path, keyring: LocalKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    store = ContentAddressedStore(str(tmp_path / "cas"), provider=keyring)
    result = store.put(b"data", scope="ds")
    assert result.created
    assert store.get(result.address) == b"data"
    assert store.put(b"data", scope="ds").created is False


@pytest.fixture(scope="module")
def memory_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContentAddressedStore]:
    keyring = LocalKeyring(tmp_path_factory.mktemp("keys") / "k.json", "s", scrypt_n=FAST_N)
    url = f"memory://cas-{uuid.uuid4().hex}"
    yield ContentAddressedStore(url, provider=keyring)
    fsspec.filesystem("memory").rm(url, recursive=True)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=2048))
def test_memory_store_round_trips_any_bytes(
    memory_store: ContentAddressedStore, data: bytes
) -> None:
    result = memory_store.put(data, scope="ds")
    assert memory_store.get(result.address) == data
    assert result.size == len(data)
    assert memory_store.exists(result.address)


def _flip(fs: fsspec.AbstractFileSystem, path: str, offset: int) -> None:
    raw = bytearray(fs.cat_file(path))
    raw[offset] ^= 1
    fs.pipe_file(path, bytes(raw))


@pytest.mark.parametrize("damage", ["body_bit", "body_truncated", "body_gone", "header_garbled"])
def test_when_stored_copy_is_corrupt_then_the_next_put_replaces_it(
    store: ContentAddressedStore, root_url: str, damage: str
) -> None:
    data = b"a bucket of records " * 500
    first = store.put(data, scope="ds")
    fs, header_path = _object_path(root_url, first.address)
    body_path = store.body_path_of(store.header_of(first.address))
    if damage == "body_bit":
        _flip(fs, body_path, 100)
    elif damage == "body_truncated":
        fs.pipe_file(body_path, fs.cat_file(body_path)[:-20])
    elif damage == "body_gone":
        fs.rm_file(body_path)
    else:
        fs.pipe_file(header_path, fs.cat_file(header_path)[:30])
    with pytest.raises(IntegrityError):
        store.get(first.address)
    again = store.put(data, scope="ds")
    assert (again.address, again.created) == (first.address, True)
    assert store.get(first.address) == data
    assert store.put(data, scope="ds").created is False  # intact now: a plain dedup hit


def test_when_packed_copy_is_corrupt_then_put_many_replaces_it_and_keeps_the_others(
    store: ContentAddressedStore, root_url: str
) -> None:
    datas = [b"bucket one " * 200, b"bucket two " * 200]
    first = store.put_many(datas, scope="ds")
    fs, root = fsspec.core.url_to_fs(root_url)
    pack = next(p for p in fs.find(f"{root}/packs") if p.endswith(".pack"))
    _flip(fs, pack, fs.size(pack) - 5)  # inside the second object's body
    with pytest.raises(IntegrityError):
        store.get(first[1].address)
    again = store.put_many(datas, scope="ds")
    assert [r.created for r in again] == [False, True]
    assert [store.get(r.address) for r in first] == datas
