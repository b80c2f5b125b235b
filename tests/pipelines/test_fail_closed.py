"""On a real instance: a version that fails the audit is never published, and no value from the
data reaches the event log through column names or foreign error messages (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from vault_core import stages, tables
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.definitions import ALL_JOB, build_definitions

pytestmark = pytest.mark.integration
EMAIL = "kim.doe@example.net"


def _run(
    tmp_path: Path, instance: dg.DagsterInstance, rows: list[dict[str, str]], **spec: object
) -> tuple[dg.ExecuteInJobResult, VaultSettings]:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    settings = VaultSettings(home=str(tmp_path / "home"))
    fields: dict[str, object] = {
        "name": "chats",
        "source": f"{landing}/*.jsonl",
        "format": "jsonl",
        "text_columns": ["body"],
        "passthrough_columns": ["chat_id"],
        "pii": PiiEngineConfig(mode="patterns"),
        **spec,
    }
    job = build_definitions([DatasetSpec.model_validate(fields)], settings).resolve_job_def(ALL_JOB)
    return job.execute_in_process(instance=instance, raise_on_error=False), settings


def _event_log_text(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(serialize_value(entry) for entry in instance.all_logs(run_id))


def test_when_the_audit_finds_pii_then_nothing_is_published_or_registered(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    rows = [{"chat_id": EMAIL, "body": "hello"}]  # a passthrough column that is not
    result, settings = _run(tmp_path, dagster_instance, rows)
    assert not result.success
    check = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in check] == [("no_pii_left", False)]
    assert check[0].metadata["leftover_by_column"].value == {"chat_id": 1}
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"chats/raw", "chats/pii_findings"}
    vault = Vault(settings)
    assert tables.table_version(vault.table_url("chats", "anonymized")) is None
    assert vault.registry.list() == []
    assert EMAIL not in _event_log_text(dagster_instance, result.run_id)


def test_when_column_names_hold_pii_then_the_event_log_never_shows_them(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    mac = "00:1a:2b:3c:4d:5e"
    rows = [
        {"chat_id": "1", "body": "hello", EMAIL: "opted in"},  # refused at ingest
        {"chat_id": "2", "body": "hello", f"device {mac}": "paired"},  # labelled
    ]
    result, _ = _run(tmp_path, dagster_instance, rows)
    assert result.success
    log = _event_log_text(dagster_instance, result.run_id)
    assert EMAIL not in log
    assert mac not in log
    raw = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["chats", "raw"])
    )
    assert (raw.metadata["records"].value, raw.metadata["quarantined"].value) == (1, 1)


def test_when_a_foreign_error_quotes_a_value_then_the_event_log_gets_a_value_free_one(
    tmp_path: Path, dagster_instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise ValueError(f"cannot convert {EMAIL!r} to int64")  # as ArrowInvalid quotes a value

    monkeypatch.setattr(stages.parallel, "find_pii", failing)  # what the asset's step calls
    result, settings = _run(tmp_path, dagster_instance, [{"chat_id": "1", "body": "hi"}])
    assert not result.success
    log = _event_log_text(dagster_instance, result.run_id)
    assert EMAIL not in log
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    description = failure.step_failure_data.user_failure_data.description  # type: ignore[union-attr]
    assert "chats/pii_findings failed with ValueError" in description
    sealed = description.rsplit("sealed traceback: ", 1)[1].rstrip(")")
    assert EMAIL in Vault(settings).store.get(sealed).decode()  # the original, sealed only
