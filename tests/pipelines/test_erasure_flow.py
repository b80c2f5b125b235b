"""Right to erasure against a real Dagster instance: partitions materialized by the job, one
person erased with ``vault erase`` (which records the new version as a materialization of
``<ds>/registered``), then the job runs again, unchanged and with changed landing files: it
succeeds, brings nothing back, and its data versions follow the erasure (issue 19)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Registry
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.cli import main
from vault_pipelines.definitions import build_definitions, partitions_job_name
from vault_pipelines.registry_sync import RegistrySync

pytestmark = pytest.mark.integration
DAYS = ("2026-12-01", "2026-12-02")
EMAIL = "jane.doe@example.com"
PHONE = "+44 20 7946 0958"
REGISTERED = dg.AssetKey(["tickets", "registered"])


def _land(landing: Path, day: str, rows: int = 6) -> None:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {"id": f"{day}-{i}", "email": f"user{i}@shop.example", "body": f"order {i} shipped"}
        for i in range(rows)
    ]
    lines[1]["body"] = f"please call me at {PHONE}"
    lines[4]["email"] = EMAIL
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")


def _spec(landing: Path) -> DatasetSpec:
    return DatasetSpec(
        name="tickets",
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        entity_columns={"email": "EMAIL_ADDRESS"},
        passthrough_columns=["id"],
        pii=PiiEngineConfig(mode="patterns"),
        partitioning="daily",
        partition_start=DAYS[0],
        batch_rows=2,
    )


def _meta(result: dg.ExecuteInJobResult, stage: str) -> dict[str, object]:
    event = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == stage
    )
    return {"data_version": event.tags["dagster/data_version"]} | {
        k: v.value for k, v in event.metadata.items()
    }


def test_when_erased_between_runs_then_the_job_succeeds_and_brings_nothing_back(
    tmp_path: Path, dagster_instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    for day in DAYS:
        _land(landing, day)
    settings = VaultSettings(home=str(tmp_path / "home"))
    spec = _spec(landing)
    defs = build_definitions([spec], settings)
    job = defs.resolve_job_def(partitions_job_name(spec))
    first = {day: job.execute_in_process(instance=dagster_instance, partition_key=day)
             for day in DAYS}  # fmt: skip
    vault = Vault(settings)
    before = vault.registry.get("tickets")
    rows_before = vault.load("tickets").height

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_instance.root_directory))
    request = tmp_path / "request.txt"
    request.write_text(f"{EMAIL}\n{PHONE}\n")
    assert main(["--home", settings.home, "erase", "--from-file", str(request),
                 "--reason", "request 77"]) == 0  # fmt: skip

    after = vault.registry.get("tickets")
    assert after.version != before.version
    assert str(vault.registry.get("tickets", before.version).status) == "erased"
    # The instance knows: a materialization of tickets/registered with the new version, and
    # an observation of the old version's status.
    latest = dagster_instance.get_latest_materialization_event(REGISTERED)
    assert latest is not None
    assert latest.asset_materialization is not None
    assert latest.asset_materialization.tags["dagster/data_version"] == (
        f"{after.version}+{after.data_version}"
    )
    observed = dagster_instance.fetch_observations(REGISTERED, limit=10).records
    assert any(
        o.asset_observation is not None and o.asset_observation.metadata["status"].value == "erased"
        for o in observed
    )

    # Unchanged landing: every stage skips, reports the erased partition's data version, and
    # registers nothing new (the erasure's version is current).
    again = job.execute_in_process(instance=dagster_instance, partition_key=DAYS[0])
    assert again.success
    raw = _meta(again, "raw")
    assert raw["skipped_unchanged"] is True
    assert raw["data_version"] != _meta(first[DAYS[0]], "raw")["data_version"]
    assert raw["records"] == 4
    registered = _meta(again, "registered")
    assert registered["new_version"] is False
    assert registered["version"] == after.version
    assert vault.load("tickets").height == rows_before - 4

    # Changed landing: the day is ingested anew, her records stay out (tombstones).
    _land(landing, DAYS[0], rows=8)
    changed = job.execute_in_process(instance=dagster_instance, partition_key=DAYS[0])
    assert changed.success
    assert _meta(changed, "raw")["records"] == 8 - 2
    assert vault.erase([EMAIL, PHONE], reason="request 77 check", dry_run=True).records == 0
    table = json.dumps(vault.load("tickets").to_dicts()).lower()
    assert "jane.doe" not in table
    # A fragment of her phone number, not inside a longer hex run: record ids are keyed digests
    # (random key) and hold any four digits now and then.
    assert re.search(r"(?<![0-9a-f])7946(?![0-9a-f])", table) is None

    # An index rebuilt from the instance alone has the erasure's version.
    rebuilt = Registry.open(str(tmp_path / "rebuilt"))
    RegistrySync(dagster_instance, rebuilt).run()
    assert rebuilt.get("tickets", after.version).data_version == after.data_version
    assert str(rebuilt.get("tickets", before.version).status) == "erased"
