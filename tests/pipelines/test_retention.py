"""Retention on a real Dagster instance: the ``vault_retention`` job purges the daily partitions
older than ``raw_retention_days`` from every zone (sealed objects included), registers what is
left, marks the versions that held them ``expired``, reports counts, and a purged partition is
never ingested again (issue 19, item 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.erasure import DataErasedError
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Registry, VersionErasedError
from vault_core.settings import VaultSettings
from vault_core.tables import read_table
from vault_core.vault import Vault
from vault_pipelines.definitions import build_definitions, partitions_job_name
from vault_pipelines.registry_sync import RegistrySync
from vault_pipelines.retention import RETENTION_JOB, RETENTION_SCHEDULE

pytestmark = pytest.mark.integration
TODAY = datetime.now(UTC).date()
OLD = [str(TODAY - timedelta(days=61)), str(TODAY - timedelta(days=60))]
RECENT = str(TODAY - timedelta(days=1))


def _land(landing: Path, day: str, rows: int) -> None:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"chat_id": f"{day}-{i}", "body": f"mail u{i}@example.com"}) for i in
             range(rows)]  # fmt: skip
    (folder / "chats.jsonl").write_text("\n".join([*lines, f"{{not json {day}"]) + "\n")


def _spec(landing: Path) -> DatasetSpec:
    return DatasetSpec(
        name="chats",
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        passthrough_columns=["chat_id"],
        partitioning="daily",
        partition_start=OLD[0],
        pii=PiiEngineConfig(mode="patterns"),
        batch_rows=3,
        raw_retention_days=30,
    )


def _output_metadata(result: dg.ExecuteInJobResult) -> dict[str, object]:
    (event,) = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    data = event.event_specific_data
    assert data is not None
    return {k: v.value for k, v in data.metadata.items()}  # type: ignore[attr-defined]


def test_when_retention_runs_then_old_partitions_leave_every_zone_and_never_come_back(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    landing = tmp_path / "landing"
    for day in [*OLD, RECENT]:
        _land(landing, day, 5)
    settings = VaultSettings(home=str(tmp_path / "home"))
    spec = _spec(landing)
    defs = build_definitions([spec], settings)
    partitions = defs.resolve_job_def(partitions_job_name(spec))
    for day in [*OLD, RECENT]:
        assert partitions.execute_in_process(instance=dagster_instance, partition_key=day).success
    vault = Vault(settings)
    before = vault.registry.get("chats")
    old_addresses = {
        str(a)
        for zone, column in (("raw_manifest", "object_address"), ("quarantine", "raw_address"))
        for a, p in zip(
            read_table(vault.table_url("chats", zone))[column].to_pylist(),
            read_table(vault.table_url("chats", zone))["partition"].to_pylist(),
            strict=True,
        )
        if p in OLD and a
    }
    assert old_addresses
    schedule = defs.resolve_schedule_def(RETENTION_SCHEDULE)
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING  # a retention was declared

    result = defs.resolve_job_def(RETENTION_JOB).execute_in_process(instance=dagster_instance)

    assert result.success
    meta = _output_metadata(result)
    assert meta["partitions_purged"] == 2
    assert meta["records_purged"] == 10
    counts = meta["by_dataset"]["chats"]  # type: ignore[index]
    assert counts["quarantined_purged"] == 2
    assert counts["rows_removed"]["anonymized"] == 10
    assert counts["objects_deleted"] >= len(old_addresses)
    assert counts["expired_versions"]
    text = json.dumps(meta)
    assert "example.com" not in text
    assert "chats.jsonl" not in text
    for zone in ("raw_manifest", "quarantine", "pii_findings", "anonymized", "subject_index"):
        left = set(read_table(vault.table_url("chats", zone))["partition"].to_pylist())
        assert left <= {RECENT}, zone
    for address in old_addresses:
        assert not vault.store.exists(address)
    assert vault.open_raw("chats").num_rows == 5
    # The new version is current; versions that held the old days are expired with the reason.
    after = vault.registry.get("chats")
    assert set(after.partitions) == {RECENT}
    assert after.row_count == 5
    old = vault.registry.get("chats", before.version)
    assert str(old.status) == "expired"
    with pytest.raises(VersionErasedError, match="retention"):
        vault.load("chats", version=before.version)
    with pytest.raises(DataErasedError, match="retention"):
        vault.read_table("chats", "anonymized", version=0)
    # Dagster knows the new version: a materialization of chats/registered carrying it.
    latest = dagster_instance.get_latest_materialization_event(dg.AssetKey(["chats", "registered"]))
    assert latest is not None
    assert latest.asset_materialization is not None
    assert latest.asset_materialization.tags["dagster/data_version"].startswith(after.version)
    rebuilt = Registry.open(str(tmp_path / "rebuilt"))
    RegistrySync(dagster_instance, rebuilt).run()
    assert rebuilt.get("chats", after.version).data_version == after.data_version

    # A rerun purges nothing; the recent day still builds; an expired day refuses to.
    again = defs.resolve_job_def(RETENTION_JOB).execute_in_process(instance=dagster_instance)
    assert _output_metadata(again)["partitions_purged"] == 0
    assert partitions.execute_in_process(instance=dagster_instance, partition_key=RECENT).success
    refused = partitions.execute_in_process(
        instance=dagster_instance, partition_key=OLD[0], raise_on_error=False
    )
    assert not refused.success
    failure = next(e for e in refused.all_events if e.event_type_value == "STEP_FAILURE")
    assert "purged by its retention" in str(failure.event_specific_data)
    assert set(vault.read_table("chats", "anonymized")["partition"].to_pylist()) == {RECENT}
