"""Keys are created only for a brand-new vault: a lost keyring or master secret fails closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vault_core.crypto import KeyInUseError, KeyringMissingError
from vault_core.dataset import DatasetSpec
from vault_core.secrets import MasterSecretError
from vault_core.settings import VaultSettings
from vault_core.stages import ingest_raw
from vault_core.vault import Vault


def _spec(landing: Path) -> DatasetSpec:
    return DatasetSpec(
        name="tickets", source=str(landing / "*.jsonl"), format="jsonl", required_columns=["body"]
    )


def _ingested(tmp_path: Path, **settings: str) -> tuple[Vault, DatasetSpec]:
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = [json.dumps({"id": str(i), "body": f"ticket body {i}"}) for i in range(30)]
    (landing / "t.jsonl").write_text("\n".join(rows) + "\n")
    vault = Vault(VaultSettings(home=str(tmp_path / "home"), **settings))
    ingest_raw(vault, _spec(landing))
    return vault, _spec(landing)


def _reopen(vault: Vault, *, read_only: bool = False) -> Vault:
    return Vault(vault.settings, read_only=read_only)


def test_when_vault_is_brand_new_then_first_write_creates_the_keyring(tmp_path: Path) -> None:
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    assert vault.is_new()
    vault, _ = _ingested(tmp_path)
    assert Path(vault.settings.keyring_path).exists()
    assert not vault.is_new()


def test_when_keyring_is_deleted_then_reingest_fails_instead_of_rekeying(tmp_path: Path) -> None:
    vault, spec = _ingested(tmp_path)
    keyring = Path(vault.settings.keyring_path)
    ids_before = vault.read_table("tickets", "raw_manifest")["record_id"].to_pylist()
    keyring.unlink()
    again = _reopen(vault)
    assert not again.is_new()
    with pytest.raises(KeyringMissingError, match="restore the keyring file") as info:
        ingest_raw(again, spec)
    assert str(keyring) in str(info.value)
    assert not keyring.exists()
    assert again.read_table("tickets", "raw_manifest")["record_id"].to_pylist() == ids_before


def test_when_keyring_is_deleted_then_read_only_uses_create_nothing(tmp_path: Path) -> None:
    vault, _ = _ingested(tmp_path)
    keyring = Path(vault.settings.keyring_path)
    keyring.unlink()
    for read_only in (False, True):
        again = _reopen(vault, read_only=read_only)
        with pytest.raises(KeyringMissingError):
            again.open_raw("tickets")
        assert again.load("tickets", "raw_manifest").height == 30  # tables need no key
        assert again.registry.list() is not None
        assert not keyring.exists()


def test_when_objects_were_all_collected_then_datasets_still_make_the_vault_not_new(
    tmp_path: Path,
) -> None:
    vault, _ = _ingested(tmp_path)
    for path in sorted(Path(vault.settings.objects_url).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    Path(vault.settings.keyring_path).unlink()
    assert not _reopen(vault).is_new()  # manifests keep record ids made with the lost keyring


def test_when_new_vault_is_read_only_then_no_keyring_and_no_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_MASTER_SECRET")
    secret_file = tmp_path / "cfg" / "master-secret"
    settings = VaultSettings(home=str(tmp_path / "home"), master_secret_file=str(secret_file))
    with pytest.raises(KeyringMissingError, match="nothing was sealed"):
        _ = Vault(settings, read_only=True).store
    assert not secret_file.exists()
    assert not Path(settings.keyring_path).exists()


def test_when_secret_file_is_lost_then_keyring_is_not_reopened_with_a_new_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_MASTER_SECRET")
    secret_file = tmp_path / "cfg" / "master-secret"
    vault, spec = _ingested(tmp_path, master_secret_file=str(secret_file))
    assert secret_file.exists()  # created once, for the brand-new vault
    secret_file.unlink()
    with pytest.raises(MasterSecretError, match="restore the file from backup") as info:
        ingest_raw(_reopen(vault), spec)
    assert "VAULT_MASTER_SECRET" in str(info.value)
    assert not secret_file.exists()


def test_when_keyring_is_deleted_then_secret_file_is_not_created_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "cfg" / "master-secret"
    vault, spec = _ingested(tmp_path, master_secret_file=str(secret_file))  # secret from env
    Path(vault.settings.keyring_path).unlink()
    monkeypatch.delenv("VAULT_MASTER_SECRET")
    with pytest.raises(KeyringMissingError):
        ingest_raw(_reopen(vault), spec)
    assert not secret_file.exists()


def test_when_a_version_still_protects_objects_then_vault_keyring_refuses_to_destroy_it(
    tmp_path: Path,
) -> None:
    vault, _ = _ingested(tmp_path)
    objects = len(set(vault.read_table("tickets", "raw_manifest")["object_address"].to_pylist()))
    vault.keyring.rotate("tickets")  # a new version but no re-wrap pass: v1 still in use
    with pytest.raises(KeyInUseError) as info:
        vault.keyring.destroy("local:tickets:v1")
    assert info.value.objects == objects
    assert f"{objects} stored objects" in str(info.value)
    assert vault.open_raw("tickets").num_rows == 30
