"""Partitioned datasets on a real instance and real Delta tables: one partition per run, backfills
from the CLI, untouched neighbours, skipped unchanged work, counts that reconcile per partition,
registry versions that name their partitions (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from vault_core import partition_tables as ptables
from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.definitions import build_definitions, partitions_job_name
from vault_pipelines.partitions import files_partitions_name

pytestmark = pytest.mark.integration
DAYS = ["2026-12-01", "2026-12-02", "2026-12-03"]


def _land_day(landing: Path, day: str, rows: int, *, bad: int = 0) -> None:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"chat_id": f"{day}-{i}", "body": f"write to user{i}@example.com on {day}"})
        for i in range(rows)
    ]
    lines += ["{not json"] * bad
    (folder / "chats.jsonl").write_text("\n".join(lines) + "\n")


def _daily(landing: Path, **extra: object) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "chats",
            "source": f"{landing}/{{date}}/*.jsonl",
            "format": "jsonl",
            "text_columns": ["body"],
            "passthrough_columns": ["chat_id"],
            "partitioning": "daily",
            "partition_start": DAYS[0],
            "pii": PiiEngineConfig(mode="patterns"),
            "batch_rows": 7,
            **extra,
        }
    )


def _run(
    defs: dg.Definitions, spec: DatasetSpec, instance: dg.DagsterInstance, key: str
) -> dg.ExecuteInJobResult:
    job = defs.resolve_job_def(partitions_job_name(spec))
    return job.execute_in_process(instance=instance, partition_key=key)


def _metadata(result: dg.ExecuteInJobResult, stage: str) -> dict[str, object]:
    event = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == stage
    )
    return {key: value.value for key, value in event.metadata.items()}


def test_when_days_are_materialized_one_by_one_then_each_partition_stands_alone(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    landing = tmp_path / "landing"
    sizes = {DAYS[0]: 20, DAYS[1]: 15}
    for day, rows in sizes.items():
        _land_day(landing, day, rows, bad=1)
    settings = VaultSettings(home=str(tmp_path / "home"))
    spec = _daily(landing)
    defs = build_definitions([spec], settings)
    first = {day: _run(defs, spec, dagster_instance, day) for day in sizes}
    for day, result in first.items():
        raw = _metadata(result, "raw")
        assert (raw["rows_in"], raw["records"], raw["quarantined"]) == (
            sizes[day] + 1,
            sizes[day],
            1,
        )
        assert _metadata(result, "anonymized")["dagster/row_count"] == sizes[day]
    vault = Vault(settings)
    table = vault.read_table("chats", "anonymized")
    assert table.num_rows == sum(sizes.values())
    assert "@example.com" not in json.dumps(table.to_pylist())
    record = vault.registry.get("chats")
    assert set(record.partitions) == set(sizes)
    assert record.row_count == sum(sizes.values())
    assert vault.registry.load("chats", as_="arrow").num_rows == sum(sizes.values())

    # Rerun of an unchanged day: every stage skips its work, data versions stay.
    again = _run(defs, spec, dagster_instance, DAYS[0])
    for stage in ("raw", "pii_findings", "anonymized"):
        assert _metadata(again, stage)["skipped_unchanged"] is True
    assert vault.registry.get("chats").version == record.version

    # A changed day is rewritten alone: the other day's Delta files are untouched.
    url = vault.table_url("chats", "anonymized")
    before = ptables.partition_files(url, ptables_version(url))[DAYS[1]]
    _land_day(landing, DAYS[0], 25)
    _run(defs, spec, dagster_instance, DAYS[0])
    after = ptables.partition_files(url, ptables_version(url))
    assert after[DAYS[1]] == before
    assert vault.read_table("chats", "anonymized").num_rows == 25 + 15

    # A new day is new data: a minor version naming three partitions.
    _land_day(landing, DAYS[2], 5)
    _run(defs, spec, dagster_instance, DAYS[2])
    latest = Vault(settings).registry.get("chats")
    assert set(latest.partitions) == set(DAYS)
    assert latest.version.split(".")[1] > record.version.split(".")[1]


def ptables_version(url: str) -> int:
    from vault_core.tables import table_version

    version = table_version(url)
    assert version is not None
    return version


def test_when_a_files_dataset_gets_files_then_each_is_a_dynamic_partition(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for name, rows in (("a.jsonl", 4), ("b.jsonl", 6)):
        lines = [json.dumps({"chat_id": f"{name}-{i}", "body": "hi"}) for i in range(rows)]
        (landing / name).write_text("\n".join(lines) + "\n")
    spec = DatasetSpec(
        name="drops",
        source=f"{landing}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        passthrough_columns=["chat_id"],
        partitioning="files",
        pii=PiiEngineConfig(mode="patterns"),
    )
    settings = VaultSettings(home=str(tmp_path / "home"))
    defs = build_definitions([spec], settings)
    dagster_instance.add_dynamic_partitions(files_partitions_name(spec), ["a.jsonl", "b.jsonl"])
    for key in ("a.jsonl", "b.jsonl"):
        assert _run(defs, spec, dagster_instance, key).success
    vault = Vault(settings)
    assert vault.read_table("drops", "anonymized").num_rows == 10
    assert set(vault.registry.get("drops").partitions) == {"a.jsonl", "b.jsonl"}
    counts = {s.partition: s.rows for s in stages.states(vault, spec).all("raw")}
    assert counts == {"a.jsonl": 4, "b.jsonl": 6}


def test_when_a_range_is_backfilled_from_the_cli_then_every_day_is_built(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for day in DAYS:
        _land_day(landing, day, 3)
    home = tmp_path / "home"
    module = tmp_path / "chats_defs.py"
    module.write_text(
        textwrap.dedent(
            f"""
            from vault_core.dataset import DatasetSpec
            from vault_core.pii import PiiEngineConfig
            from vault_core.settings import VaultSettings
            from vault_pipelines.definitions import build_definitions

            defs = build_definitions(
                [DatasetSpec(name="chats", source="{landing}/{{date}}/*.jsonl", format="jsonl",
                             text_columns=["body"], passthrough_columns=["chat_id"],
                             partitioning="daily", partition_start="{DAYS[0]}",
                             pii=PiiEngineConfig(mode="patterns"))],
                VaultSettings(home="{home}"),
            )
            """
        )
    )
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "PYTHONPATH": str(tmp_path)}
    command = [
        str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m", "chats_defs",
        "--select", "chats/raw,chats/pii_findings,chats/anonymized",
        "--partition-range", f"{DAYS[0]}...{DAYS[2]}",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    vault = Vault(VaultSettings(home=str(home)))
    assert vault.read_table("chats", "anonymized").num_rows == 9
    assert {s.partition for s in stages.states(vault, _daily(landing)).all("anonymized")} == set(
        DAYS
    )
