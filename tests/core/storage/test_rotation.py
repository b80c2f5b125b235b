import threading
from pathlib import Path
from typing import Any

import fsspec
import pytest

from vault_core.crypto import KeyNotFoundError, LocalKeyring
from vault_core.storage import (
    ContentAddressedStore,
    count_key_references,
    key_usage,
    rotate_scope,
)


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


class _PausingProvider:
    """Delegates to a keyring; the first data key it hands out waits before sealing goes on."""

    def __init__(self, keyring: LocalKeyring, resume: threading.Event) -> None:
        self._keyring = keyring
        self._resume = resume
        self.key_taken = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._keyring, name)

    def generate_data_key(self, scope: str, context: bytes) -> tuple[str, bytes, bytes]:
        result = self._keyring.generate_data_key(scope, context)
        if not self.key_taken.is_set():
            self.key_taken.set()
            self._resume.wait(timeout=0.5)  # without a lock, rotation finishes meanwhile
        return result


@pytest.mark.parametrize("batch", [False, True], ids=["put", "put_many"])
def test_when_objects_are_sealed_while_rotation_runs_then_none_stays_on_the_old_version(
    tmp_path: Path, keyring: LocalKeyring, batch: bool
) -> None:
    rotated = threading.Event()
    provider = _PausingProvider(keyring, rotated)
    store = ContentAddressedStore(str(tmp_path / "cas"), provider=provider)  # type: ignore[arg-type]
    existing = store.put_many([f"bucket {i}".encode() for i in range(8)], scope="ds")
    provider.key_taken.clear()
    payloads = [f"late bucket {i}".encode() for i in range(4)]
    results: list[str] = []

    def seal() -> None:
        if batch:
            results.extend(r.address for r in store.put_many(payloads, scope="ds"))
        else:
            results.extend(store.put(p, scope="ds").address for p in payloads)

    sealer = threading.Thread(target=seal)
    sealer.start()
    assert provider.key_taken.wait(timeout=5)  # a put holds a v1 data key, not yet published
    report = rotate_scope(store, "ds")
    rotated.set()
    sealer.join(timeout=10)
    # The paused object was published before the key switch, so the pass re-wrapped it.
    assert report.rewrapped >= len(existing) + 1
    assert report.by_key_id == {"local:ds:v2": report.rewrapped}
    assert count_key_references(store, "local:ds:v1") == 0
    assert {store.key_id_of(a) for a in store.list()} == {"local:ds:v2"}
    keyring.destroy("local:ds:v1")
    for address, payload in zip(results, payloads, strict=True):
        assert store.get(address) == payload


def test_when_threads_seal_throughout_rotations_then_old_versions_protect_nothing(
    tmp_path: Path, keyring: LocalKeyring
) -> None:
    store = ContentAddressedStore(str(tmp_path / "cas"), provider=keyring)
    store.put_many([f"bucket {i}".encode() for i in range(32)], scope="ds")
    started = threading.Barrier(4)

    def seal(worker: int) -> None:
        started.wait()
        for n in range(8):
            store.put_many([f"w{worker} item {n} {j}".encode() for j in range(8)], scope="ds")
            store.put(f"w{worker} loose {n}".encode(), scope="ds")

    workers = [threading.Thread(target=seal, args=(w,)) for w in range(3)]
    for worker in workers:
        worker.start()
    started.wait()
    reports = [rotate_scope(store, "ds") for _ in range(3)]
    for worker in workers:
        worker.join(timeout=30)
    # Objects published after the last switch are sealed under v4 directly.
    assert reports[-1].new_key_id == "local:ds:v4"
    assert key_usage(store, "ds") == {"local:ds:v4": 32 + 3 * 8 * 9}
    for old in ("local:ds:v1", "local:ds:v2", "local:ds:v3"):
        assert count_key_references(store, old) == 0
