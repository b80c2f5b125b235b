import os
import time
from pathlib import Path

import pytest

from vault_core.crypto import LocalKeyring
from vault_core.storage import ContentAddressedStore, ReferenceIndex, collect_garbage

FAST_N = 2**4
HOUR = 3600.0


@pytest.fixture
def store(tmp_path: Path) -> ContentAddressedStore:
    keyring = LocalKeyring(tmp_path / "keys" / "keyring.json", "secret", scrypt_n=FAST_N)
    return ContentAddressedStore(str(tmp_path / "cas"), provider=keyring)


def _age(paths: list[str], seconds: float) -> None:
    stamp = time.time() - seconds
    for path in paths:
        os.utime(path, (stamp, stamp))


def _age_all(root: Path, seconds: float) -> None:
    _age([str(p) for p in root.rglob("*") if p.is_file()], seconds)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_when_objects_unreferenced_and_old_then_gc_removes_them_and_keeps_referenced(
    store: ContentAddressedStore, tmp_path: Path
) -> None:
    live = store.put(b"live loose", scope="ds").address
    dead = store.put(b"dead loose", scope="ds").address
    packed = store.put_many([b"live packed", b"dead packed"], scope="ds")
    other = store.put(b"other dataset, not indexed", scope="other").address
    _age_all(tmp_path / "cas", 2 * HOUR)
    refs = {"ds": {live, packed[0].address}}
    report = collect_garbage(store, refs, grace=HOUR)
    assert sorted(report.removed) == sorted([dead, packed[1].address])
    assert (report.kept, report.unindexed) == (2, 1)
    assert sorted(store.list()) == sorted([live, packed[0].address, other])
    assert store.get(live) == b"live loose"
    assert store.get(packed[0].address) == b"live packed"
    assert not store.exists(dead)


def test_when_objects_are_younger_than_grace_then_gc_keeps_them(
    store: ContentAddressedStore,
) -> None:
    fresh = store.put(b"fresh", scope="ds").address
    packed = store.put_many([b"fresh packed"], scope="ds")[0].address
    report = collect_garbage(store, {"ds": set()}, grace=HOUR)
    assert report.removed == []
    assert report.young == 2
    assert store.exists(fresh)
    assert store.exists(packed)
    assert collect_garbage(store, {"ds": set()}, grace=0).removed == sorted([fresh, packed])


def test_when_dry_run_then_nothing_is_deleted(store: ContentAddressedStore, tmp_path: Path) -> None:
    address = store.put(b"doomed", scope="ds").address
    _write(tmp_path / "cas" / "bodies" / "ab" / ("ab" * 32), b"left by a crash")
    _age_all(tmp_path / "cas", 2 * HOUR)
    before = sorted(p for p in (tmp_path / "cas").rglob("*") if p.is_file())
    report = collect_garbage(store, {"ds": set()}, grace=HOUR, dry_run=True)
    assert report.removed == [address]
    assert report.orphan_files == 1
    assert sorted(p for p in (tmp_path / "cas").rglob("*") if p.is_file()) == before


def test_when_crash_left_orphans_then_gc_removes_old_ones_only(
    store: ContentAddressedStore, tmp_path: Path
) -> None:
    kept = store.put(b"kept", scope="ds").address
    cas = tmp_path / "cas"
    old_body = _write(cas / "bodies" / "cd" / ("cd" * 32), b"old orphan body")
    old_pack = _write(cas / "packs" / ("ee" * 16 + ".pack"), b"pack never indexed")
    _age_all(cas, 2 * HOUR)
    new_body = _write(cas / "bodies" / "cf" / ("cf" * 32), b"body of a put in progress")
    report = collect_garbage(store, {"ds": {kept}}, grace=HOUR)
    assert report.orphan_files == 2
    assert not old_body.exists()
    assert not old_pack.exists()
    assert new_body.exists()
    assert store.get(kept) == b"kept"


def test_when_dedup_put_finds_an_old_object_then_its_grace_restarts(
    store: ContentAddressedStore, tmp_path: Path
) -> None:
    store.put(b"content", scope="ds")
    _age_all(tmp_path / "cas", 2 * HOUR)
    assert store.put(b"content", scope="ds").created is False
    assert collect_garbage(store, {"ds": set()}, grace=HOUR).removed == []


def test_when_references_recorded_then_index_returns_them_per_dataset(tmp_path: Path) -> None:
    index = ReferenceIndex(str(tmp_path / "refs"))
    assert index.load() == {}
    index.record("tickets", {"raw_manifest": ["b3k2:a", "b3k2:a", "b3k2:b"], "quarantine": [None]})
    index.record("customers", {"raw_manifest": []})
    assert index.load() == {"customers": set(), "tickets": {"b3k2:a", "b3k2:b"}}
    index.record("tickets", {"raw_manifest": ["b3k2:c"]})
    assert index.addresses("tickets") == {"b3k2:c"}
