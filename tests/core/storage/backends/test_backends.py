"""The StorageBackend contract, run against every backend: local disk, memory://, S3 (moto)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import fsspec
import pytest

from vault_core.storage.backends import (
    FsspecBackend,
    LocalBackend,
    StorageBackend,
    open_backend,
)


@pytest.fixture(params=["local", "memory", pytest.param("s3", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageBackend]:
    if request.param == "local":
        yield open_backend(str(tmp_path / "root"))
    elif request.param == "memory":
        url = f"memory://backend-{uuid.uuid4().hex}"
        yield open_backend(url)
        fs = fsspec.filesystem("memory")
        if fs.exists(url):
            fs.rm(url, recursive=True)
    else:
        endpoint = request.getfixturevalue("aws_endpoint")
        bucket = f"backend-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket=bucket
        )
        options = {"endpoint_url": endpoint, "key": "test", "secret": "test"}
        yield open_backend(f"s3://{bucket}/root", {**options, "skip_instance_cache": True})


def test_open_backend_picks_local_for_paths_and_file_urls(tmp_path: Path) -> None:
    assert isinstance(open_backend(str(tmp_path)), LocalBackend)
    assert isinstance(open_backend(tmp_path.as_uri()), LocalBackend)
    assert open_backend(tmp_path.as_uri()).root == str(tmp_path)
    assert isinstance(open_backend("memory://x"), FsspecBackend)


def test_publish_is_write_once(backend: StorageBackend) -> None:
    path = f"{backend.root}/objects/ab/cd/header"
    assert backend.publish(path, b"first") is True
    assert backend.publish(path, b"second") is False
    assert backend.read(path) == b"first"


def test_replace_creates_then_replaces(backend: StorageBackend) -> None:
    path = f"{backend.root}/objects/ab/cd/header"
    backend.replace(path, b"one")
    backend.replace(path, b"two")
    assert backend.read(path) == b"two"
    assert [p for p in backend.find(backend.root) if "header" not in p] == []  # no temp left


def test_written_file_reads_back_in_ranges(backend: StorageBackend) -> None:
    path = f"{backend.root}/bodies/ab/body"
    data = bytes(range(256)) * 40
    with backend.open_writer(path) as sink:
        sink(memoryview(data[:1000]))
        sink(memoryview(data[1000:]))
    assert backend.read(path) == data
    assert backend.read_range(path, 10, 20) == data[10:20]
    assert backend.info(path).size == len(data)
    with backend.open_reader(path, base=100) as reader:
        assert reader.read(0, 5) == data[100:105]
        buffer = bytearray(8)
        assert reader.readinto(len(data) - 104, memoryview(buffer)) == 4  # short at the end
        assert bytes(buffer[:4]) == data[-4:]


def test_when_writer_fails_then_nothing_is_left(backend: StorageBackend) -> None:
    path = f"{backend.root}/packs/p.pack"

    def write() -> None:
        with backend.open_writer(path) as sink:
            sink(memoryview(b"partial"))
            raise RuntimeError("failed mid-write")

    with pytest.raises(RuntimeError):
        write()
    assert not backend.exists(path)


def test_find_lists_files_sorted_and_absent_folders_as_empty(backend: StorageBackend) -> None:
    for name in ("b/2", "a/1", "a/c/3"):
        backend.publish(f"{backend.root}/x/{name}", b".")
    assert list(backend.find(f"{backend.root}/x")) == [
        f"{backend.root}/x/{name}" for name in ("a/1", "a/c/3", "b/2")
    ]
    assert list(backend.find(f"{backend.root}/missing")) == []


def test_delete_and_missing_files(backend: StorageBackend) -> None:
    path = f"{backend.root}/f"
    backend.publish(path, b"x")
    assert backend.exists(path)
    assert backend.info(path).modified > 0
    backend.touch(path)
    backend.delete(path)
    backend.delete(path)  # absent: nothing happens
    assert not backend.exists(path)
    with pytest.raises(FileNotFoundError):
        backend.read(path)
    with pytest.raises(FileNotFoundError):
        backend.info(path)


def test_only_local_backends_have_lock_folders(backend: StorageBackend) -> None:
    expected = f"{backend.root}/locks" if isinstance(backend, LocalBackend) else None
    assert backend.lock_dir("locks") == expected
