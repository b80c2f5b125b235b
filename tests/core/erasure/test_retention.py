"""Retention without Dagster: partition ages (time windows from their end, ``files`` partitions
from their ingest), a dry run that changes nothing, and specs that cannot age out refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.erasure.retention import (
    PartitionExpiredError,
    expired,
    expired_partitions,
    window_end,
)
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.quality.contract import contract_suite
from vault_core.settings import VaultSettings
from vault_core.stages import checks
from vault_core.vault import Vault

SECRET = "test-master-secret-0123456789abcdef"
PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))


def _spec(landing: Path, **extra: object) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "notes",
            "source": f"{landing}/*.jsonl",
            "format": "jsonl",
            "text_columns": ["body"],
            "pii": PiiEngineConfig(mode="patterns"),
            "partitioning": "files",
            "raw_retention_days": 7,
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("partitioning", "key", "end"),
    [
        ("hourly", "2026-12-06-23:00", "2026-12-07T00:00:00+00:00"),
        ("daily", "2026-12-31", "2027-01-01T00:00:00+00:00"),
        ("monthly", "2026-12-01", "2027-01-01T00:00:00+00:00"),
        ("monthly", "2026-02-01", "2026-03-01T00:00:00+00:00"),
    ],
)
def test_a_time_window_ages_from_its_end(partitioning: str, key: str, end: str) -> None:
    spec = DatasetSpec(
        name="t", source="/in/{date}/*.csv", format="csv", partitioning=partitioning,  # type: ignore[arg-type]
        partition_start="2026-01-01",
    )  # fmt: skip
    assert window_end(spec, key).isoformat() == end


def test_when_a_dataset_has_no_partitions_then_raw_retention_is_refused() -> None:
    with pytest.raises(ValidationError, match="without partitioning"):
        DatasetSpec(name="t", source="/in/*.csv", format="csv", raw_retention_days=30)


def test_when_files_partitions_age_then_they_expire_by_ingest_time_and_stay_purged(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("a", "b"):
        rows = [{"body": f"{name} {i} at x{i}@example.com"} for i in range(4)]
        (landing / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    vault = Vault(VaultSettings(home=str(tmp_path / "home")), master_secret=SECRET)
    spec = _spec(landing)
    for key in ("a.jsonl", "b.jsonl"):
        stages.ingest_raw(vault, spec, key)
        stages.find_pii(vault, spec, PATTERNS, key)
        stages.anonymize(vault, spec, PATTERNS, key)
    stages.register(vault, spec, upstream={})
    checks.run_suite(vault, spec, contract_suite(spec), ["a.jsonl", "b.jsonl"])
    cached = Path(checks.check_cache(vault, spec).root)
    assert len(list(cached.rglob("*.json"))) == 2
    now = datetime.now(UTC)
    assert expired_partitions(vault, spec, now + timedelta(days=6)) == []
    assert expired_partitions(vault, spec, now + timedelta(days=8)) == ["a.jsonl", "b.jsonl"]

    planned = vault.enforce_retention(spec, now=now + timedelta(days=8), dry_run=True)
    assert (planned.records, planned.partitions) == (8, ["a.jsonl", "b.jsonl"])
    assert vault.read_table("notes", "anonymized").num_rows == 8  # a dry run changes nothing
    assert expired(vault, "notes") == {}

    done = vault.enforce_retention(spec, now=now + timedelta(days=8))
    assert done.records == 8
    assert done.new_version is None
    assert done.expired_versions == ["notes@1.0.0"]
    assert vault.read_table("notes", "anonymized").num_rows == 0
    assert list(cached.rglob("*.json")) == []  # the checks' outcomes of the days went too
    with pytest.raises(PartitionExpiredError, match="purged by its retention"):
        stages.ingest_raw(vault, spec, "a.jsonl")
