"""Registration vacuums the dataset's tables once, after the dataset's retention."""

from __future__ import annotations

import json
from pathlib import Path

import deltalake

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault

PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))


def _land(landing: Path, rows: int) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps({"id": i, "body": f"write to user{i}@example.org"}) for i in range(rows))
    (landing / "a.jsonl").write_text("\n".join(lines) + "\n")


def _run(vault: Vault, spec: DatasetSpec) -> stages.RegisterResult:
    stages.ingest_raw(vault, spec)
    stages.find_pii(vault, spec, PATTERNS)
    stages.anonymize(vault, spec, PATTERNS)
    return stages.register(vault, spec, upstream={})


def _live_and_stored(url: str) -> tuple[set[str], set[str]]:
    table = deltalake.DeltaTable(url)
    stored = {p.name for p in Path(url).rglob("*.parquet")}
    return {Path(f).name for f in table.file_uris()}, stored


def _spec(landing: Path, retention_hours: int) -> DatasetSpec:
    return DatasetSpec(
        name="notes",
        source=f"{landing}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        passthrough_columns=["id"],
        pii=PiiEngineConfig(mode="patterns"),
        retention_hours=retention_hours,
    )


def test_when_retention_is_zero_then_registration_removes_the_replaced_files(
    tmp_path: Path,
) -> None:
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    spec = _spec(tmp_path / "landing", retention_hours=0)
    _land(tmp_path / "landing", 5)
    assert _run(vault, spec).files_vacuumed == 0
    _land(tmp_path / "landing", 7)  # the partition is rewritten: its old files are replaced
    result = _run(vault, spec)
    assert result.files_vacuumed > 0
    for zone in stages.ZONES:
        live, stored = _live_and_stored(vault.table_url(spec.name, zone))
        assert stored == live, zone
    assert vault.load("notes").height == 7


def test_when_retention_is_a_week_then_replaced_files_stay_for_time_travel(
    tmp_path: Path,
) -> None:
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    spec = _spec(tmp_path / "landing", retention_hours=168)
    _land(tmp_path / "landing", 5)
    first = _run(vault, spec)
    _land(tmp_path / "landing", 7)
    assert _run(vault, spec).files_vacuumed == 0
    live, stored = _live_and_stored(vault.table_url(spec.name, "anonymized"))
    assert live < stored
    assert vault.load("notes", version=first.record.version).height == 5
