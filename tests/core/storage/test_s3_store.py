import threading
from pathlib import Path

import boto3
import pytest

from vault_core.crypto import AwsKmsProvider, KeyNotFoundError, LocalKeyring
from vault_core.storage import ContentAddressedStore, IntegrityError, PutResult, rotate_scope

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoint(aws_endpoint: str) -> str:
    """The shared moto server, with the bucket these tests use."""
    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="vault")
    return aws_endpoint


def _store(endpoint: str, provider: object, prefix: str) -> ContentAddressedStore:
    options = {
        "endpoint_url": endpoint,
        "key": "test",
        "secret": "test",
        "skip_instance_cache": True,
    }
    return ContentAddressedStore(
        f"s3://vault/{prefix}",
        provider=provider,
        storage_options=options,
        segment_exponent=10,  # type: ignore[arg-type]
    )


def test_when_put_on_s3_with_kms_then_round_trips_rotates_and_shreds(endpoint: str) -> None:
    kms = AwsKmsProvider(endpoint_url=endpoint, region_name="us-east-1", alias_prefix="alias/s3t")
    store = _store(endpoint, kms, "kms")
    data = bytes(range(256)) * 20
    put = store.put(data, scope="ds")
    assert put.created
    assert store.put(data, scope="ds").created is False
    assert store.get(put.address) == data
    assert store.get_range(put.address, 1000, 3000) == data[1000:3000]
    big = store.put_stream((data for _ in range(5)), scope="ds")
    assert store.get(big.address) == data * 5
    old_key = store.key_id_of(put.address)
    report = rotate_scope(store, "ds")
    assert report.rewrapped == 2
    kms.destroy(old_key)
    assert store.get(put.address) == data
    for version in kms.versions("ds"):
        if version.status == "active":
            kms.destroy(version.key_id)
    with pytest.raises(KeyNotFoundError):
        store.get(put.address)


def test_when_s3_body_tampered_then_integrity_error(endpoint: str, tmp_path: Path) -> None:
    keyring = LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=16)
    store = _store(endpoint, keyring, "tamper")
    address = store.put(b"s3 data " * 300, scope="ds").address
    body = store.body_path_of(store.header_of(address))
    original = store.backend.read(body)
    store.backend.replace(body, original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(IntegrityError):
        store.get(address)


def test_when_threads_put_same_content_on_s3_then_one_object_wins(
    endpoint: str, tmp_path: Path
) -> None:
    keyring = LocalKeyring(tmp_path / "k.json", "secret", scrypt_n=16)
    store = _store(endpoint, keyring, "race")
    barrier = threading.Barrier(8)
    results: list[PutResult] = []

    def put() -> None:
        barrier.wait()
        results.append(store._put(iter([b"contended" * 100]), "ds", None))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.created for r in results) == 1  # conditional put: If-None-Match
    assert store.get(results[0].address) == b"contended" * 100
    assert len(list(store.body_paths())) == 1
