"""The stages fail closed: pinned inputs, audit before publish, undeclared columns scanned, PII in
column names labelled, empty inputs valid (issue 12, items 1, 2, 4 and 13)."""

from __future__ import annotations

import json
from pathlib import Path

import deltalake
import pyarrow as pa
import pytest

from vault_core import stages, tables
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault

EMAIL, SSN, CARD = "jane.roe@example.org", "536-22-8410", "4111 1111 1111 1111"
MAC = "00:1a:2b:3c:4d:5e"
MAC_NAME = f"device {MAC}"
PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(VaultSettings(home=str(tmp_path / "home")))


def _land(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(row) + "\n" for row in rows))


def _spec(landing: Path, **overrides: object) -> DatasetSpec:
    fields: dict[str, object] = {
        "name": "chats",
        "source": f"{landing}/*.jsonl",
        "format": "jsonl",
        "text_columns": ["body"],
        "passthrough_columns": ["chat_id"],
        "pii": PiiEngineConfig(mode="patterns"),
    }
    fields.update(overrides)
    return DatasetSpec.model_validate(fields)


def _all_text(table: pa.Table) -> str:
    return json.dumps(table.to_pylist(), default=str) + json.dumps(table.column_names)


def _run(vault: Vault, spec: DatasetSpec) -> stages.AnonymizedResult:
    stages.ingest_raw(vault, spec)
    stages.find_pii(vault, spec, PATTERNS)
    return stages.anonymize(vault, spec, PATTERNS)


def test_when_a_run_overlaps_another_ingest_then_anonymize_reads_the_pinned_records(
    vault: Vault, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    _land(landing, "a.jsonl", [{"chat_id": "1", "body": "hello there"}])
    spec = _spec(landing)
    stages.ingest_raw(vault, spec)
    stages.find_pii(vault, spec, PATTERNS)  # run A's findings: one record, none found
    # Run B lands and ingests rows full of PII while run A is between its two PII stages.
    late = [{"chat_id": str(i), "body": f"mail {EMAIL} ssn {SSN}"} for i in range(2, 50)]
    _land(landing, "b.jsonl", late)
    stages.ingest_raw(vault, spec)
    result = stages.anonymize(vault, spec, PATTERNS)  # run A's step, latest findings = A's
    assert result.published
    assert result.rows == 1
    published = vault.read_table("chats", "anonymized")
    assert EMAIL not in _all_text(published)
    assert SSN not in _all_text(published)
    # B's own findings then cover B's records; every Delta version stays free of the values.
    stages.find_pii(vault, spec, PATTERNS)
    assert stages.anonymize(vault, spec, PATTERNS).rows == 49
    url = vault.table_url("chats", "anonymized")
    for version in range(deltalake.DeltaTable(url).version() + 1):
        text = _all_text(tables.read_table(url, version=version))
        assert EMAIL not in text
        assert SSN not in text


def test_when_findings_never_ran_then_anonymize_refuses(vault: Vault, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _land(landing, "a.jsonl", [{"chat_id": "1", "body": "hi"}])
    spec = _spec(landing)
    stages.ingest_raw(vault, spec)
    with pytest.raises(stages.StageNotRunError, match="pii_findings"):
        stages.anonymize(vault, spec, PATTERNS)


def test_when_columns_are_not_declared_then_they_are_scanned_not_copied(
    vault: Vault, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    rows = [
        {"chat_id": "1", "body": "call me", "contact_email": EMAIL, "ssn": SSN, "card": CARD},
        {"chat_id": "2", "body": "later", "contact_email": None, "ssn": "", "card": "n/a"},
    ]
    _land(landing, "a.jsonl", rows)
    result = _run(vault, _spec(landing))
    assert result.published
    text = _all_text(vault.read_table("chats", "anonymized"))
    for value in (EMAIL, SSN, CARD):
        assert value not in text
    assert "n/a" in text  # scanned, nothing found, kept


def test_when_a_passthrough_column_holds_a_direct_identifier_then_nothing_is_published(
    vault: Vault, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    _land(landing, "a.jsonl", [{"chat_id": EMAIL, "body": "hi", "at": "2024-05-01"}])
    spec = _spec(landing, passthrough_columns=["chat_id", "at"])
    result = _run(vault, spec)
    assert not result.published
    assert result.leftover_by_type == {"EMAIL_ADDRESS": 1}
    assert result.leftover_by_column == {"chat_id": 1}
    assert tables.table_version(vault.table_url("chats", "anonymized")) is None  # never written


def test_when_a_passthrough_column_holds_dates_then_it_is_kept(
    vault: Vault, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    _land(landing, "a.jsonl", [{"chat_id": "c1", "body": "hi", "at": "2024-05-01"}])
    result = _run(vault, _spec(landing, passthrough_columns=["chat_id", "at"]))
    assert result.published
    assert vault.read_table("chats", "anonymized")["at"].to_pylist() == ["2024-05-01"]


def test_when_a_column_name_holds_pii_then_it_is_labelled_everywhere(
    vault: Vault, tmp_path: Path
) -> None:
    # An e-mail address as a name is refused at ingest (value_like_name); a MAC address passes
    # that heuristic and is caught by the pattern detectors.
    landing = tmp_path / "landing"
    _land(landing, "a.jsonl", [{"chat_id": "1", "body": "hi", MAC_NAME: "yes"}])
    spec = _spec(landing)
    raw = stages.ingest_raw(vault, spec)
    findings = stages.find_pii(vault, spec, PATTERNS)
    result = stages.anonymize(vault, spec, PATTERNS)
    assert result.published
    for shown in (raw.schema, findings.by_column, result.schema, result.report):
        assert MAC not in json.dumps(shown)
    names = vault.read_table("chats", "anonymized").column_names
    assert MAC_NAME not in names
    assert [name for name in names if name.startswith("column_")] == [
        next(iter(set(raw.schema) - {"record_id", "chat_id", "body"}))
    ]


def test_when_every_row_is_quarantined_then_an_empty_version_is_registered(
    vault: Vault, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.jsonl").write_text("not json\n[1, 2]\n")
    spec = _spec(landing, entity_columns={"email": "EMAIL_ADDRESS"})
    raw = stages.ingest_raw(vault, spec)
    assert (raw.records, raw.quarantined) == (0, 2)
    assert stages.find_pii(vault, spec, PATTERNS).records_scanned == 0
    result = stages.anonymize(vault, spec, PATTERNS)
    assert result.published
    assert result.rows == 0
    registered = stages.register(vault, spec, upstream={})
    assert registered.created
    assert registered.record.row_count == 0
