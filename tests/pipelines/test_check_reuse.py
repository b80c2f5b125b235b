"""On a real instance: a range rerun over unchanged days reuses the checks' outcomes (metadata
as a fresh check's, ``partitions_reused`` aside), an erasure makes the day it rewrote checked
again, and a failing ERROR suite still blocks registration when its failure comes from the cache
(issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.quality import ResidualPiiSpec
from vault_core.settings import VaultSettings
from vault_core.stages import checks
from vault_core.vault import Vault
from vault_pipelines.definitions import build_definitions, partitions_job_name

pytestmark = pytest.mark.integration
DAYS = ("2026-12-01", "2026-12-02")
EMAIL = "jane.doe@example.com"
REUSE = ("partitions_validated", "partitions_reused")


def _land(landing: Path, day: str) -> None:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {"id": f"{day}-{i}", "email": f"user{i}@shop.example", "body": f"order {i} shipped"}
        for i in range(6)
    ]
    if day == DAYS[0]:
        lines[4]["email"] = EMAIL
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


def _spec(landing: Path, **overrides: Any) -> DatasetSpec:
    fields: dict[str, Any] = {
        "name": "tickets",
        "source": f"{landing}/{{date}}/*.jsonl",
        "format": "jsonl",
        "text_columns": ["body"],
        "entity_columns": {"email": "EMAIL_ADDRESS"},
        "passthrough_columns": ["id"],
        "pii": PiiEngineConfig(mode="patterns"),
        "partitioning": "daily",
        "partition_start": DAYS[0],
        "residual_pii": ResidualPiiSpec(sample_size=8, seed=2, max_rate=1.0),
    }
    return DatasetSpec.model_validate({**fields, **overrides})


def _setup(tmp_path: Path, **overrides: Any) -> tuple[VaultSettings, DatasetSpec, dg.JobDefinition]:
    landing = tmp_path / "landing"
    for day in DAYS:
        _land(landing, day)
    settings = VaultSettings(home=str(tmp_path / "home"))
    spec = _spec(landing, **overrides)
    job = build_definitions([spec], settings).resolve_job_def(partitions_job_name(spec))
    return settings, spec, job


def _range(job: dg.JobDefinition, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    tags = {
        "dagster/asset_partition_range_start": DAYS[0],
        "dagster/asset_partition_range_end": DAYS[-1],
    }
    return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    return {
        e.check_name: {"passed": e.passed, **{k: v.value for k, v in e.metadata.items()}}
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[-1] == "anonymized" and "partitions_reused" in e.metadata
    }


def _reuse(found: dict[str, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {
        name: (meta["partitions_validated"], meta["partitions_reused"])
        for name, meta in found.items()
    }


def _values(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: {k: v for k, v in m.items() if k not in REUSE} for n, m in found.items()}


def test_when_days_are_unchanged_or_erased_then_the_range_rerun_checks_only_what_changed(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    settings, spec, job = _setup(tmp_path)
    for day in DAYS:
        assert job.execute_in_process(instance=dagster_instance, partition_key=day).success
    vault = Vault(settings)

    # Every day checked already (one run each): the range rerun validates no day again; the
    # residual sample, drawn over both days, was never drawn before. A second rerun reuses all,
    # and reports what checking afresh reports.
    first = _range(job, dagster_instance)
    assert _reuse(_checks(first)) == {"expect_contract": (0, 2), "residual_pii": (2, 0)}
    rerun = _range(job, dagster_instance)
    assert rerun.success
    assert _reuse(_checks(rerun)) == {"expect_contract": (0, 2), "residual_pii": (0, 2)}
    shutil.rmtree(checks.check_cache(vault, spec).root)
    fresh = _range(job, dagster_instance)
    assert _reuse(_checks(fresh)) == {"expect_contract": (2, 0), "residual_pii": (2, 0)}
    assert _values(_checks(rerun)) == _values(_checks(fresh))
    assert _values(_checks(rerun))["expect_contract"]["rows"] == 12

    # The erasure rewrites the first day only: that day is validated again, the residual
    # sample (drawn over both days) is drawn again.
    assert vault.erase([EMAIL], reason="request 12").records == 1
    after = _range(job, dagster_instance)
    assert after.success
    found = _checks(after)
    assert _reuse(found) == {"expect_contract": (1, 1), "residual_pii": (2, 0)}
    assert (found["expect_contract"]["rows"], found["residual_pii"]["population"]) == (11, 11)
    assert EMAIL not in json.dumps(found, default=str)


def test_when_an_error_suite_failure_is_reused_then_registration_stays_blocked(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    never = {
        "type": "expect_column_values_to_match_regex",
        "kwargs": {"column": "id", "regex": "^NOPE"},
    }
    _, _, job = _setup(
        tmp_path, expectations=[{"name": "ids", "expectations": [never]}], residual_pii=None
    )
    for day in DAYS:
        result = job.execute_in_process(
            instance=dagster_instance, partition_key=day, raise_on_error=False
        )
        assert not result.success
    rerun = _range(job, dagster_instance)
    found = _checks(rerun)
    assert not rerun.success
    assert (found["expect_ids"]["passed"], _reuse(found)["expect_ids"]) == (False, (0, 2))
    assert found["expect_ids"]["failed_expectations"] == ["expect_column_values_to_match_regex(id)"]
    materialized = {e.asset_key.path[-1] for e in rerun.get_asset_materialization_events()}
    assert "registered" not in materialized
