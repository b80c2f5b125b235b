"""On a real instance: a step whose principal may not decrypt fails with AccessDenied and is not
retried; every step anchors the audit log in the instance, so a truncated log is detected."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from vault_core.access import Principal, PrincipalsFile, write_principals
from vault_core.audit import verify_log
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.commands.audit import anchors_from
from vault_pipelines.definitions import ALL_JOB, build_definitions

pytestmark = pytest.mark.integration
BODY = "call me at kim.doe@example.net"
PEOPLE = [
    Principal(
        id="service:pipelines",
        roles=("developer",),
        clearance="restricted",
        acts_for=("ingest-bot",),
    ),
    # May ingest (no clearance needed to seal) but not decrypt a restricted dataset.
    Principal(id="ingest-bot", roles=("developer",), clearance="confidential"),
    Principal(id="ann", roles=("user",), clearance="restricted"),
    Principal(id="otto", roles=("admin",), tenant="other", clearance="restricted"),
    Principal(id="aud", roles=("auditor",)),
]


@pytest.fixture
def job(tmp_path: Path) -> tuple[dg.JobDefinition, VaultSettings]:
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = [{"chat_id": str(i), "body": f"{BODY} {i}"} for i in range(5)]
    (landing / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = VaultSettings(home=str(tmp_path / "home"))
    write_principals(f"{settings.home}/access/principals.yaml", PrincipalsFile(principals=PEOPLE))
    spec = DatasetSpec(
        name="chats",
        source=f"{landing}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        passthrough_columns=["chat_id"],
        pii=PiiEngineConfig(mode="patterns"),
        classification="restricted",
    )
    return build_definitions([spec], settings).resolve_job_def(ALL_JOB), settings


def test_when_the_run_principal_may_not_decrypt_then_the_step_fails_without_retry(
    job: tuple[dg.JobDefinition, VaultSettings], dagster_instance: dg.DagsterInstance
) -> None:
    definition, settings = job
    result = definition.execute_in_process(
        instance=dagster_instance, raise_on_error=False, tags={"vault/principal": "ingest-bot"}
    )
    assert not result.success
    kinds = [e.event_type for e in result.all_events]
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert failure.step_key == "chats__pii_findings"
    data = failure.step_failure_data.user_failure_data  # type: ignore[union-attr]
    assert data.metadata["error_type"].value == "AccessDenied"
    assert "ingest-bot" in data.description
    assert "clearance" in data.description
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"chats/raw"}

    vault = Vault(settings, principal="aud")
    denials = [e for e in vault.audit.entries() if e.decision == "deny"]
    assert [(e.principal, e.action, e.dataset) for e in denials] == [
        ("ingest-bot", "dataset:read_raw", "chats")
    ]
    log = Path(settings.home, "audit", "log.jsonl").read_text()
    assert "kim.doe" not in log


def test_when_a_run_names_a_principal_the_service_may_not_act_for_then_nothing_runs(
    job: tuple[dg.JobDefinition, VaultSettings], dagster_instance: dg.DagsterInstance
) -> None:
    """Anyone who can launch a run can set its tags: naming an admin must not make one."""
    definition, settings = job
    result = definition.execute_in_process(
        instance=dagster_instance, raise_on_error=False, tags={"vault/principal": "otto"}
    )
    assert not result.success
    assert not result.get_asset_materialization_events()
    kinds = [e.event_type for e in result.all_events]
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    data = failure.step_failure_data.user_failure_data  # type: ignore[union-attr]
    assert data.metadata["error_type"].value == "AccessDenied"
    assert "acts_for" in data.description
    denials = [e for e in Vault(settings, principal="aud").audit.entries() if e.decision == "deny"]
    assert [(e.principal, e.action, e.resource) for e in denials] == [
        ("service:pipelines", "access:act_for", 'Principal::"otto"')
    ]


def test_when_the_service_runs_then_anchored_and_other_tenants_see_nothing(
    job: tuple[dg.JobDefinition, VaultSettings], dagster_instance: dg.DagsterInstance
) -> None:
    definition, settings = job
    assert definition.execute_in_process(instance=dagster_instance).success
    anchors = anchors_from(dagster_instance, settings.home)
    assert anchors
    directory = str(Path(settings.home, "audit"))
    assert verify_log(directory, anchors=anchors).ok

    ann = Vault(settings, principal="ann")
    assert ann.load("chats").height == 5  # anonymized rows: dataset:read
    assert [r.name for r in ann.registry.list()] == ["chats"]
    with pytest.raises(PermissionError):
        ann.open_raw("chats")
    otto = Vault(settings, principal="otto")
    assert otto.registry.list() == []
    assert otto.datasets() == []
    with pytest.raises(PermissionError):
        otto.load("chats")

    log = Path(directory, "log.jsonl")
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:3]))  # truncated
    report = verify_log(directory, anchors=anchors_from(dagster_instance, settings.home))
    assert not report.ok
    assert report.first_bad_line == 4
