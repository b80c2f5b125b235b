"""The whole asset graph, materialized in-process on a persistent instance, run twice, then again
after the landing data changed."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.pipelines import notebooks
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.run import DemoRun, run_demo
from vault_demo.synthetic import TICKET_DAYS
from vault_pipelines.cli import main as vault_cli

pytestmark = pytest.mark.integration
SIZES = {"tickets": 240, "customers": 160}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> VaultSettings:
    return VaultSettings(home=str(tmp_path_factory.mktemp("vault")))


@pytest.fixture(scope="module")
def runs(settings: VaultSettings, dagster_instance: dg.DagsterInstance) -> list[DemoRun]:
    """The demo materialized twice over the same landing data."""
    return [run_demo(settings, dagster_instance, **SIZES) for _ in range(2)]


def _by_name(run: DemoRun) -> dict[str, Any]:
    return {s.name: s for s in run.summaries}


def _data_versions(instance: dg.DagsterInstance, run: DemoRun) -> dict[str, str]:
    """Data version of each asset (and partition) the demo's runs materialized."""
    versions = {}
    for run_id in run.run_ids:
        logs = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        for entry in logs:
            materialization = entry.asset_materialization
            assert materialization is not None
            tags = materialization.tags or {}
            name = materialization.asset_key.to_user_string()
            versions[f"{name}[{materialization.partition}]"] = tags["dagster/data_version"]
    return versions


def _landing_pii(settings: VaultSettings) -> set[str]:
    """Values planted in the landing files that must never leave the sealed zone."""
    landing = Path(settings.landing_url)
    values: set[str] = set()
    for path in (landing / "tickets").rglob("*.jsonl"):
        values.update(EMAIL.findall(path.read_text()))
    rows = csv.DictReader(io.StringIO((landing / "customers" / "customers.csv").read_text()))
    for row in rows:
        for column in ("email", "phone", "credit_card", "full_name"):
            if row.get(column) and len(row[column]) > 6:
                values.add(row[column])
    return values


def test_when_demo_runs_then_rows_reconcile_and_pii_is_found(runs: list[DemoRun]) -> None:
    first = runs[0]
    assert first.success
    for name, summary in _by_name(first).items():
        assert summary.rows_in == SIZES[name] == first.corpus.rows[name]
        assert summary.rows_in == summary.rows_out + summary.quarantined
        assert summary.quarantined == first.corpus.malformed[name] + first.corpus.duplicates[name]
        assert (summary.version, summary.new_version) == ("1.0.0", True)
    assert _by_name(first)["tickets"].partitions == list(TICKET_DAYS)  # daily, as landed
    assert _by_name(first)["customers"].partitions == ["all"]
    tickets = _by_name(first)["tickets"].findings_by_type
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "PERSON"} <= set(tickets)
    customers = _by_name(first)["customers"].findings_by_type
    assert customers["EMAIL_ADDRESS"] >= _by_name(first)["customers"].rows_out


def test_when_demo_runs_then_every_check_passes(runs: list[DemoRun]) -> None:
    assert runs[0].checks == {
        f"{name}/{check}": True
        for name in ("tickets", "customers")
        for check in (
            "anonymized:no_pii_left",
            "anonymized:expect_contract",
            "anonymized:residual_pii",
            "registered:training_ready",
        )
    }


def test_when_demo_runs_twice_then_data_versions_and_registry_do_not_change(
    runs: list[DemoRun], settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    first, second = runs
    assert second.success
    assert _data_versions(dagster_instance, first) == _data_versions(dagster_instance, second)
    for name, summary in _by_name(second).items():
        assert (summary.version, summary.new_version) == ("1.0.0", False), name
        assert summary.data_version == _by_name(first)[name].data_version
    vault = Vault(settings)
    assert [(r.name, r.version) for r in vault.registry.list()] == [
        ("customers", "1.0.0"),
        ("tickets", "1.0.0"),
    ]
    anonymized = vault.load("tickets")
    assert (
        anonymized["record_id"].n_unique()
        == anonymized.height
        == _by_name(second)["tickets"].rows_out
    )


def test_when_graph_ran_then_no_planted_pii_in_event_log_or_anonymized_tables(
    runs: list[DemoRun], settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    planted = _landing_pii(settings)
    assert len(planted) > 100
    for run in runs:
        log_text = "\n".join(
            entry.to_json() for run_id in run.run_ids for entry in dagster_instance.all_logs(run_id)
        )
        leaked = [value for value in planted if value in log_text]
        assert not leaked, f"{len(leaked)} planted PII values in the Dagster event log"
    vault = Vault(settings)
    for dataset in ("tickets", "customers"):
        table_text = vault.load(dataset).write_csv()
        leaked = [value for value in planted if value in table_text]
        assert not leaked, f"{len(leaked)} planted PII values in {dataset}/anonymized"


def test_when_rows_are_quarantined_then_their_bytes_are_sealed_not_stored_in_clear(
    runs: list[DemoRun], settings: VaultSettings
) -> None:
    vault = Vault(settings)
    quarantine = vault.read_table("customers", "quarantine").to_pylist()
    assert {row["reason"] for row in quarantine} == {"field_count", "missing_required", "duplicate"}
    for row in quarantine:
        if row["raw_address"]:
            assert len(vault.store.get(row["raw_address"])) == row["raw_bytes"]
    planted = [value.encode() for value in _landing_pii(settings)]
    sealed_zone = [
        path
        for path in Path(settings.home).rglob("*")
        if path.is_file() and "landing" not in path.parts
    ]
    assert len(sealed_zone) > 10
    for path in sealed_zone:
        data = path.read_bytes()
        assert not [value for value in planted if value in data], path


def test_when_landing_data_grows_then_new_minor_version_and_other_dataset_untouched(
    runs: list[DemoRun], settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    # A new day lands: a new daily partition, the days before skip their work.
    extra = Path(settings.landing_url) / "tickets" / "2026-12-02" / "tickets-0003.jsonl"
    extra.parent.mkdir()
    extra.write_text(
        json.dumps({"ticket_id": "T-NEW", "body": "Call Dana Whitfield at 415-555-0132."}) + "\n"
    )
    try:
        third = run_demo(settings, dagster_instance, **SIZES)
    finally:
        extra.unlink()
        extra.parent.rmdir()
    assert third.success
    summaries = _by_name(third)
    assert (summaries["tickets"].version, summaries["tickets"].new_version) == ("1.1.0", True)
    assert summaries["tickets"].rows_in == SIZES["tickets"] + 1
    assert summaries["tickets"].partitions == ["2026-11-30", "2026-12-01", "2026-12-02"]
    assert (summaries["customers"].version, summaries["customers"].new_version) == ("1.0.0", False)
    tickets = Vault(settings).load("tickets")
    new_body = tickets.filter(tickets["ticket_id"] == "T-NEW")["body"].item()
    assert "Dana Whitfield" not in new_body
    assert "415-555-0132" not in new_body


def test_when_registry_is_listed_from_the_cli_then_json_has_the_versions(
    runs: list[DemoRun], settings: VaultSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert vault_cli(["--home", settings.home, "registry", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["name"] for row in rows} == {"tickets", "customers"}
    assert set(rows[0]) == {"name", "kind", "version", "data_version", "status", "created"}


# What each notebook that reads the demo home promises: (figures, at least this many tables).
DEMO_NOTEBOOKS = {
    "quickstart": (1, 3),
    "pii_exploration": (3, 6),
    "registry_and_lineage": (2, 6),
}
# Something each one must show besides, as plain text.
SHOWN = {
    "quickstart": "EMAIL_ADDRESS",  # the findings-by-type table
    "pii_exploration": "call me on **********0199",  # a synthetic row, masked by the policy
    "registry_and_lineage": "1.1.1 (new)",  # a policy-only change is a patch
}


@pytest.mark.parametrize("name", sorted(DEMO_NOTEBOOKS))
def test_when_a_notebook_reads_the_demo_then_it_shows_its_figures_and_tables_and_no_pii(
    name: str, runs: list[DemoRun], settings: VaultSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_HOME", settings.home)
    executed = notebooks.execute(name)
    figures, tables = DEMO_NOTEBOOKS[name]
    assert executed.images == figures
    assert executed.tables >= tables
    assert SHOWN[name] in executed.text
    planted = notebooks.planted_values(Path(settings.landing_url))
    assert len(planted) > 100
    assert not notebooks.leaked(executed, planted)
