import json
import os
import time
from pathlib import Path

import fsspec
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_core.stages import ingest_raw
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


def _spec(landing: Path) -> DatasetSpec:
    return DatasetSpec(
        name="tickets", source=str(landing / "*.jsonl"), format="jsonl", required_columns=["body"]
    )


def _land(landing: Path, rows: int) -> None:
    landing.mkdir(exist_ok=True)
    lines = [json.dumps({"id": str(i), "body": f"ticket body {i}"}) for i in range(rows)]
    (landing / "t.jsonl").write_text("\n".join([*lines, "not json"]) + "\n")


def test_when_gc_runs_then_unreferenced_objects_go_and_reingest_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, landing = str(tmp_path / "home"), tmp_path / "landing"
    vault = Vault(VaultSettings(home=home))
    _land(landing, 40)
    first = ingest_raw(vault, _spec(landing))
    assert first.quarantined == 1
    _land(landing, 20)
    ingest_raw(vault, _spec(landing))
    referenced = vault.references()["tickets"]
    stale = set(vault.store.list()) - referenced
    assert stale
    assert referenced <= set(vault.store.list())

    assert main(["--home", home, "gc", "--grace", "0s", "--dry-run"]) == 0
    assert f"gc: would remove {len(stale)} objects" in capsys.readouterr().out
    assert set(Vault(VaultSettings(home=home)).store.list()) == stale | referenced
    assert main(["--home", home, "gc"]) == 0  # default grace 24h: everything is young
    assert "removed 0 objects" in capsys.readouterr().out
    assert main(["--home", home, "gc", "--grace", "0s"]) == 0
    assert f"gc: removed {len(stale)} objects" in capsys.readouterr().out

    after = Vault(VaultSettings(home=home))
    assert set(after.store.list()) == referenced
    assert after.open_raw("tickets").num_rows == 20
    _land(landing, 40)
    again = ingest_raw(after, _spec(landing))
    assert again.records == 40
    assert after.open_raw("tickets").num_rows == 40
    assert main(["--home", home, "verify"]) == 0


def test_when_grace_is_not_a_duration_then_cli_rejects_it(home: str) -> None:
    with pytest.raises(SystemExit):
        main(["--home", home, "gc", "--grace", "soon"])


def test_when_keyring_is_deleted_then_read_only_commands_fail_and_create_nothing(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring = Path(Vault(VaultSettings(home=home)).settings.keyring_path)
    keyring.unlink()
    for argv in (
        ["verify"],
        ["verify", "--dataset", "tickets"],
        ["gc", "--dry-run"],
        ["keys", "list", "--dataset", "tickets"],
    ):
        assert main(["--home", home, *argv]) == 2, argv
        assert "restore the keyring file" in capsys.readouterr().err
        assert not keyring.exists(), argv


def test_when_vault_is_brand_new_then_read_only_commands_create_no_keyring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "new")
    assert main(["--home", home, "verify"]) == 0
    assert "verified 0 objects" in capsys.readouterr().out
    assert main(["--home", home, "gc", "--dry-run"]) == 0
    assert main(["--home", home, "keys", "list", "--dataset", "tickets"]) == 0
    assert not (tmp_path / "new").exists()


def test_when_keys_listed_then_each_version_shows_the_objects_its_headers_name(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Vault(VaultSettings(home=home)).keyring.rotate("tickets")  # no re-wrap pass yet
    assert main(["--home", home, "keys", "list", "--dataset", "tickets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "local:tickets:v1"
    assert lines[0].endswith("3 objects")
    assert lines[1].split()[0] == "local:tickets:v2"
    assert lines[1].endswith("0 objects")


def test_when_a_version_still_protects_objects_then_keys_destroy_refuses_with_the_count(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Vault(VaultSettings(home=home)).keyring.rotate("tickets")  # no re-wrap pass yet
    assert main(["--home", home, "keys", "destroy", "local:tickets:v1"]) == 2
    assert "still protects 3 stored objects" in capsys.readouterr().err
    assert main(["--home", home, "verify"]) == 0
    assert main(["--home", home, "keys", "rotate", "--dataset", "tickets"]) == 0
    assert "local:tickets:v3: 3" in capsys.readouterr().out
    assert main(["--home", home, "keys", "destroy", "local:tickets:v1"]) == 0
    assert main(["--home", home, "keys", "destroy", "local:tickets:v3"]) == 2  # current
    assert main(["--home", home, "keys", "destroy", "local:tickets:v3", "--shred"]) == 0
    assert main(["--home", home, "verify", "--dataset", "tickets"]) == 1  # shredded on purpose


def _age_store(home: str, seconds: float) -> None:
    stamp = time.time() - seconds
    for path in Path(home, "objects").rglob("*"):
        if path.is_file():
            os.utime(path, (stamp, stamp))


def test_when_a_header_is_malformed_then_dataset_verify_counts_it_and_exits_one(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Vault(VaultSettings(home=home)).store
    victim = next(store.list_scope("tickets"))
    digest = victim.removeprefix("b3k2:")
    header = Path(home, "objects", "objects", digest[:2], digest[2:4], digest)
    header.write_bytes(header.read_bytes()[:20])
    assert main(["--home", home, "verify", "--dataset", "tickets"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {victim}  IntegrityError" in out
    assert "1 failed" in out


def test_when_pack_index_or_referenced_object_is_gone_then_verify_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, landing = str(tmp_path / "home"), tmp_path / "landing"
    vault = Vault(VaultSettings(home=home))
    _land(landing, 40)
    ingest_raw(vault, _spec(landing))
    referenced = vault.references()["tickets"]
    assert main(["--home", home, "verify"]) == 0
    capsys.readouterr()
    indexes = sorted(Path(home, "objects", "packs").glob("*.idx"))  # records and rejects
    for index in indexes:
        index.unlink()
    assert main(["--home", home, "verify", "--dataset", "tickets"]) == 1
    out = capsys.readouterr().out
    for index in indexes:
        assert f"FAIL pack {index.stem}  CorruptPackError" in out
    for address in referenced:
        assert f"FAIL {address}  ObjectNotFoundError: referenced by dataset 'tickets'" in out
    assert f"({len(referenced)} missing)" in out


def test_when_verify_finds_a_corrupt_bucket_then_rerunning_ingest_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, landing = str(tmp_path / "home"), tmp_path / "landing"
    vault = Vault(VaultSettings(home=home))
    _land(landing, 40)
    ingest_raw(vault, _spec(landing))
    for pack in Path(home, "objects", "packs").glob("*.pack"):
        raw = bytearray(pack.read_bytes())
        # A batch's records and its quarantined rows' bytes share one pack: the bucket comes
        # first and is by far the largest (its body holds the middle byte), a row's bytes last.
        raw[len(raw) // 2] ^= 1
        raw[-3] ^= 1
        pack.write_bytes(bytes(raw))
    assert main(["--home", home, "verify"]) == 1
    assert "2 failed" in capsys.readouterr().out  # one bucket, one quarantined row
    again = Vault(VaultSettings(home=home))
    ingest_raw(again, _spec(landing))
    assert main(["--home", home, "verify"]) == 0
    assert again.open_raw("tickets").num_rows == 40
