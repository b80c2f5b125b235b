from pathlib import Path

import fsspec
import pytest

from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.cli import main


@pytest.fixture
def home(tmp_path: Path) -> str:
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    for i in range(3):
        vault.store.put(f"record {i}".encode() * 50, scope="tickets")
    vault.store.put(b"other", scope="customers")
    return str(tmp_path / "home")


def test_when_store_is_intact_then_verify_exits_zero(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", home, "verify"]) == 0
    assert "verified 4 objects" in capsys.readouterr().out
    assert main(["--home", home, "verify", "--dataset", "tickets"]) == 0
    assert "verified 3 objects" in capsys.readouterr().out


def test_when_a_body_is_tampered_then_verify_names_it_and_exits_one(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Vault(VaultSettings(home=home)).store
    victim = next(store.list_scope("tickets"))
    body = store.body_path_of(store.header_of(victim))
    fs = fsspec.filesystem("file")
    raw = bytearray(fs.cat_file(body))
    raw[5] ^= 1
    fs.pipe_file(body, bytes(raw))
    assert main(["--home", home, "verify"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {victim}  IntegrityError" in out
    assert "record" not in out


def test_when_keys_rotated_then_every_object_uses_v2_and_reads_back(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", home, "keys", "rotate", "--dataset", "tickets"]) == 0
    out = capsys.readouterr().out
    assert "now local:tickets:v2; re-wrapped 3 objects" in out
    vault = Vault(VaultSettings(home=home))
    vault.keyring.destroy("local:tickets:v1")
    assert {vault.store.key_id_of(a) for a in vault.store.list_scope("tickets")} == {
        "local:tickets:v2"
    }
    assert main(["--home", home, "verify"]) == 0
    assert main(["--home", home, "keys", "list", "--dataset", "tickets"]) == 0
    listing = capsys.readouterr().out
    assert "local:tickets:v1" in listing
    assert "destroyed" in listing
