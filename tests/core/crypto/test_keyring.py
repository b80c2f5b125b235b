import base64
import json
import multiprocessing
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from vault_core.crypto import (
    KeyInUseError,
    KeyNotFoundError,
    KeyProvider,
    KeyringError,
    KeyringMissingError,
    LocalKeyring,
    MasterSecretMissingError,
    WrongKeyError,
)
from vault_core.exceptions import ConfigurationError, TerminalError

FAST_N = 2**4
SECRET = "correct horse battery staple"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "keyring.json"


@pytest.fixture
def keyring(path: Path) -> LocalKeyring:
    return LocalKeyring(path, SECRET, scrypt_n=FAST_N)


def _rotate_many(path: str, times: int, barrier: threading.Barrier | None = None) -> None:
    keyring = LocalKeyring(path, SECRET, scrypt_n=FAST_N)
    if barrier is not None:
        barrier.wait()
    for _ in range(times):
        keyring.rotate("shared")


def _rotate_in_child(path: str, times: int, barrier: Any) -> None:
    barrier.wait()  # a multiprocessing Barrier, shared with the sibling process
    _rotate_many(path, times)


def test_local_keyring_satisfies_key_provider_protocol(keyring: LocalKeyring) -> None:
    assert isinstance(keyring, KeyProvider)


def test_when_scope_first_used_then_version_1_created(keyring: LocalKeyring) -> None:
    assert keyring.key_ids("ds") == []
    assert keyring.current_key_id("ds") == "local:ds:v1"
    assert keyring.current_key_id("ds") == "local:ds:v1"
    assert keyring.key_ids("ds") == ["local:ds:v1"]
    [version] = keyring.versions("ds")
    assert (version.version, version.status, version.scope) == (1, "active", "ds")
    assert keyring.scopes() == ["ds"]


def test_keyring_file_is_private_and_holds_keys_only_wrapped(
    keyring: LocalKeyring, path: Path
) -> None:
    key_id = keyring.current_key_id("ds")
    raw_key = keyring._wrapping_key(key_id)
    text = path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert base64.b64encode(raw_key).decode() not in text
    assert raw_key.hex() not in text
    assert raw_key not in path.read_bytes()
    doc = json.loads(text)
    assert doc["kdf"]["n"] == FAST_N
    assert len(base64.b64decode(doc["kdf"]["salt"])) == 16


def test_when_reopened_then_keys_persist(keyring: LocalKeyring, path: Path) -> None:
    key_id, wrapped = keyring.wrap("ds", b"k" * 32, b"ctx")
    reopened = LocalKeyring(path, SECRET)  # the file's scrypt cost wins over the default
    assert reopened.unwrap(key_id, wrapped, b"ctx") == b"k" * 32
    assert reopened.derive_subkey("p") == keyring.derive_subkey("p")


def test_when_master_secret_wrong_then_wrong_key_on_open(keyring: LocalKeyring, path: Path) -> None:
    keyring.current_key_id("ds")
    with pytest.raises(WrongKeyError) as info:
        LocalKeyring(path, "not the secret")
    assert "not the secret" not in str(info.value)
    assert isinstance(info.value, TerminalError)


@pytest.mark.parametrize("secret", ["", b""])
def test_when_master_secret_empty_then_missing(path: Path, secret: str | bytes) -> None:
    with pytest.raises(MasterSecretMissingError):
        LocalKeyring(path, secret)
    assert not path.exists()


def test_from_env_reads_secret_and_reports_missing_variable(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_TEST_SECRET", raising=False)
    with pytest.raises(MasterSecretMissingError) as info:
        LocalKeyring.from_env(path, "VAULT_TEST_SECRET")
    assert info.value.env_var == "VAULT_TEST_SECRET"
    assert isinstance(info.value, ConfigurationError)
    monkeypatch.setenv("VAULT_TEST_SECRET", SECRET)
    from_env = LocalKeyring.from_env(path, "VAULT_TEST_SECRET", scrypt_n=FAST_N)
    assert from_env.derive_subkey("p") == LocalKeyring(path, SECRET).derive_subkey("p")


def test_when_context_differs_then_unwrap_fails(keyring: LocalKeyring) -> None:
    key_id, wrapped = keyring.wrap("ds", b"k" * 32, b"ctx")
    with pytest.raises(WrongKeyError) as info:
        keyring.unwrap(key_id, wrapped, b"other")
    assert info.value.key_id == key_id


def test_when_wrapped_under_other_scope_id_then_unwrap_fails(keyring: LocalKeyring) -> None:
    keyring.current_key_id("other")
    _, wrapped = keyring.wrap("ds", b"k" * 32, b"ctx")
    with pytest.raises(WrongKeyError):
        keyring.unwrap("local:other:v1", wrapped, b"ctx")


@pytest.mark.parametrize("key_id", ["local:ds:v9", "local:nope:v1", "kms:ds:v1", "local:ds:v01"])
def test_when_key_id_unknown_then_key_not_found(keyring: LocalKeyring, key_id: str) -> None:
    _, wrapped = keyring.wrap("ds", b"k" * 32, b"ctx")
    with pytest.raises(KeyNotFoundError) as info:
        keyring.unwrap(key_id, wrapped, b"ctx")
    assert info.value.key_id == key_id
    assert not info.value.destroyed


def test_when_rotated_then_new_id_is_current_and_old_still_unwraps(keyring: LocalKeyring) -> None:
    old_id, old_wrapped = keyring.wrap("ds", b"a" * 32, b"ctx")
    new_id = keyring.rotate("ds")
    assert (old_id, new_id) == ("local:ds:v1", "local:ds:v2")
    assert keyring.current_key_id("ds") == new_id
    assert keyring.wrap("ds", b"b" * 32, b"ctx")[0] == new_id
    assert keyring.unwrap(old_id, old_wrapped, b"ctx") == b"a" * 32
    assert keyring.key_ids("ds") == [old_id, new_id]


def test_when_destroyed_then_key_erased_from_file_and_unwrap_refused(
    keyring: LocalKeyring, path: Path
) -> None:
    key_id, wrapped = keyring.wrap("ds", b"k" * 32, b"ctx")
    stale = LocalKeyring(path, SECRET)
    assert stale.unwrap(key_id, wrapped, b"ctx") == b"k" * 32  # caches the wrapping key
    keyring.destroy(key_id)
    [entry] = json.loads(path.read_text())["scopes"]["ds"]
    assert entry["status"] == "destroyed"
    assert "wrapped_key" not in entry
    for instance in (keyring, stale, LocalKeyring(path, SECRET)):
        with pytest.raises(KeyNotFoundError) as info:
            instance.unwrap(key_id, wrapped, b"ctx")
        assert info.value.destroyed
    keyring.destroy(key_id)  # idempotent
    assert keyring.versions("ds")[0].status == "destroyed"


def test_when_newest_version_destroyed_then_next_use_creates_a_new_version(
    keyring: LocalKeyring,
) -> None:
    keyring.destroy(keyring.current_key_id("ds"))
    assert keyring.current_key_id("ds") == "local:ds:v2"


def test_when_destroying_unknown_key_then_key_not_found(keyring: LocalKeyring) -> None:
    with pytest.raises(KeyNotFoundError):
        keyring.destroy("local:ds:v1")


def test_when_other_instance_adds_key_then_this_instance_finds_it(
    keyring: LocalKeyring, path: Path
) -> None:
    keyring.current_key_id("ds")
    other = LocalKeyring(path, SECRET)
    key_id = other.rotate("ds")
    _, wrapped = other.wrap("ds", b"k" * 32, b"ctx")
    assert keyring.unwrap(key_id, wrapped, b"ctx") == b"k" * 32
    assert keyring.current_key_id("ds") == key_id


def test_derive_subkey_is_stable_per_purpose_and_secret(tmp_path: Path) -> None:
    first = LocalKeyring(tmp_path / "a.json", SECRET, scrypt_n=FAST_N)
    second = LocalKeyring(tmp_path / "b.json", "another secret", scrypt_n=FAST_N)
    assert len(first.derive_subkey("p")) == 32
    assert first.derive_subkey("p") == first.derive_subkey("p")
    assert first.derive_subkey("p") != first.derive_subkey("q")
    assert first.derive_subkey("p") != second.derive_subkey("p")


def test_when_two_instances_rotate_concurrently_then_no_key_is_lost(
    keyring: LocalKeyring, path: Path
) -> None:
    barrier = threading.Barrier(8)
    threads = [
        threading.Thread(target=_rotate_many, args=(str(path), 5, barrier)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    versions = [v.version for v in keyring.versions("shared")]
    assert versions == list(range(1, 41))


def test_when_two_processes_rotate_concurrently_then_no_key_is_lost(
    keyring: LocalKeyring, path: Path
) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    children = [
        context.Process(target=_rotate_in_child, args=(str(path), 10, barrier)) for _ in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0, 0]
    assert [v.version for v in keyring.versions("shared")] == list(range(1, 21))


def test_when_entry_tampered_then_keyring_error(keyring: LocalKeyring, path: Path) -> None:
    key_id = keyring.current_key_id("ds")
    doc = json.loads(path.read_text())
    sealed = bytearray(base64.b64decode(doc["scopes"]["ds"][0]["wrapped_key"]))
    sealed[-1] ^= 1
    doc["scopes"]["ds"][0]["wrapped_key"] = base64.b64encode(bytes(sealed)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyringError):
        LocalKeyring(path, SECRET).wrap("ds", b"k" * 32, b"ctx")
    with pytest.raises(KeyringError):
        keyring.unwrap(key_id, b"\0" * 60, b"ctx")


@pytest.mark.parametrize("content", ["{not json", '{"format": "other"}', "[]"])
def test_when_file_malformed_then_keyring_error(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(KeyringError) as info:
        LocalKeyring(path, SECRET)
    assert info.value.path == str(path)


def test_when_file_deleted_while_open_then_keyring_error(keyring: LocalKeyring, path: Path) -> None:
    path.unlink()
    with pytest.raises(KeyringError, match="missing"):
        keyring.current_key_id("ds")


@pytest.mark.parametrize("scope", ["", "a\0b"])
def test_when_scope_invalid_then_refused(keyring: LocalKeyring, scope: str) -> None:
    with pytest.raises(ValueError, match="scope"):
        keyring.current_key_id(scope)


def test_scopes_with_colons_round_trip(keyring: LocalKeyring) -> None:
    key_id, wrapped = keyring.wrap("tenant:a:v1", b"k" * 32, b"ctx")
    assert key_id == "local:tenant:a:v1:v1"
    assert keyring.unwrap(key_id, wrapped, b"ctx") == b"k" * 32


def test_error_messages_never_contain_key_material(keyring: LocalKeyring) -> None:
    data_key = bytes(range(32))
    key_id, wrapped = keyring.wrap("ds", data_key, b"ctx")
    wrapping_key = keyring._wrapping_key(key_id)
    with pytest.raises(WrongKeyError) as wrong:
        keyring.unwrap(key_id, wrapped, b"bad")
    keyring.destroy(key_id)
    with pytest.raises(KeyNotFoundError) as gone:
        keyring.unwrap(key_id, wrapped, b"ctx")
    for exc in (wrong.value, gone.value):
        message = str(exc) + repr(exc)
        for secret in (data_key, wrapping_key):
            assert secret.hex() not in message
            assert base64.b64encode(secret).decode() not in message
            assert repr(secret) not in message
        assert SECRET not in message


def test_when_file_absent_and_create_refused_then_keyring_missing_and_nothing_written(
    path: Path,
) -> None:
    with pytest.raises(KeyringMissingError, match="restore it from backup"):
        LocalKeyring(path, SECRET, scrypt_n=FAST_N, create=False)
    assert not path.exists()
    assert not path.parent.exists()


def test_when_references_counted_then_destroy_refuses_a_used_or_current_version(
    path: Path,
) -> None:
    used = {"local:ds:v1": 3}
    keyring = LocalKeyring(path, SECRET, scrypt_n=FAST_N, references=lambda k: used.get(k, 0))
    keyring.current_key_id("ds")
    keyring.rotate("ds")
    with pytest.raises(KeyInUseError, match="3 stored objects") as info:
        keyring.destroy("local:ds:v1")
    assert (info.value.key_id, info.value.objects) == ("local:ds:v1", 3)
    with pytest.raises(KeyInUseError, match="current version"):
        keyring.destroy("local:ds:v2")
    assert [v.status for v in keyring.versions("ds")] == ["active", "active"]
    used.clear()
    keyring.destroy("local:ds:v1")
    keyring.destroy("local:ds:v2", shred=True)  # erasure on purpose
    assert [v.status for v in keyring.versions("ds")] == ["destroyed", "destroyed"]


@pytest.mark.integration
def test_when_keyring_is_on_s3_then_concurrent_writers_lose_no_version(aws_endpoint: str) -> None:
    """No lock on S3: each update is a conditional put on the version read, retried on conflict."""
    import boto3

    boto3.client("s3", endpoint_url=aws_endpoint).create_bucket(Bucket="keyring-race")
    url = "s3://keyring-race/home/keys/keyring.json"
    options = {"endpoint_url": aws_endpoint, "skip_instance_cache": True}
    keyrings = [LocalKeyring(url, "secret", scrypt_n=16, storage_options=options) for _ in range(3)]
    barrier = threading.Barrier(len(keyrings))
    rotated: list[str] = []

    def rotate(keyring: LocalKeyring) -> None:
        barrier.wait()
        rotated.extend(keyring.rotate("ds") for _ in range(4))

    threads = [threading.Thread(target=rotate, args=(k,)) for k in keyrings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(rotated) == sorted({f"local:ds:v{n}" for n in range(1, 13)})
    fresh = LocalKeyring(url, "secret", create=False, storage_options=options)
    assert [v.version for v in fresh.versions("ds")] == list(range(1, 13))
    key_id, wrapped = keyrings[0].wrap("ds", b"k" * 32, b"ctx")
    assert fresh.unwrap(key_id, wrapped, b"ctx") == b"k" * 32
