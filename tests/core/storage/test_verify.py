from pathlib import Path

import pytest

from vault_core.crypto import LocalKeyring
from vault_core.storage import ContentAddressedStore, verify_store


@pytest.fixture
def store(tmp_path: Path, keyring: LocalKeyring) -> ContentAddressedStore:
    return ContentAddressedStore(str(tmp_path / "cas"), provider=keyring)


def _header_path(tmp_path: Path, address: str) -> Path:
    digest = address.removeprefix("b3k2:")
    return tmp_path / "cas" / "objects" / digest[:2] / digest[2:4] / digest


def test_when_a_header_is_malformed_then_every_scope_counts_it_as_a_failure(
    store: ContentAddressedStore, tmp_path: Path
) -> None:
    broken = store.put(b"a record", scope="ds").address
    store.put(b"another record", scope="ds")
    store.put(b"other dataset", scope="other")
    _header_path(tmp_path, broken).write_bytes(b"VLTS garbage")
    for scope in ("ds", "other", None):
        report = verify_store(store, scope=scope)
        assert list(report.failures) == [broken], scope
        assert report.failures[broken].startswith("IntegrityError")
        assert not report.ok


def test_when_a_referenced_object_is_missing_then_it_is_a_failure_of_its_dataset_only(
    store: ContentAddressedStore,
) -> None:
    kept = store.put(b"kept", scope="ds").address
    gone = store.put(b"collected too early", scope="ds").address
    store.delete(gone)
    expected = {"ds": {kept, gone}, "other": set[str]()}
    report = verify_store(store, expected=expected)
    assert (report.checked, report.missing) == (2, 1)
    assert report.failures[gone].startswith("ObjectNotFoundError: referenced by dataset 'ds'")
    assert verify_store(store, scope="other", expected=expected).ok


def test_when_a_pack_index_is_deleted_then_the_pack_and_its_objects_are_reported(
    store: ContentAddressedStore, tmp_path: Path
) -> None:
    packed = [r.address for r in store.put_many([b"one", b"two"], scope="ds")]
    assert verify_store(store, expected={"ds": set(packed)}).ok
    (index,) = (tmp_path / "cas" / "packs").glob("*.idx")
    index.unlink()
    report = verify_store(store, expected={"ds": set(packed)})
    assert set(report.failures) == {f"pack {index.stem}", *packed}
    assert report.missing == 2
