"""OpenLineage on a real instance: the run events of every step, received by a real HTTP
receiver on 127.0.0.1, valid against the OpenLineage schema, START and COMPLETE (or FAIL) per
step, column lineage of the anonymized table, and no landed PII value in any event."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.core.events.receiver import Receiver, serving
from tests.core.lineage.schema import errors
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.resources import LineageResource

pytestmark = pytest.mark.integration
ENTITIES = ["full_name", "email", "phone", "street_address", "credit_card", "notes"]


def _specs(settings: VaultSettings) -> list[DatasetSpec]:
    """``customers`` as the demo declares it, and ``leaky``: the same files with ``email``
    declared passthrough, so its anonymized step fails the no-PII-left audit."""
    customers = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
    base = {**customers.model_dump(), "pii": PiiEngineConfig(mode="patterns"), "residual_pii": None}
    entities = {k: v for k, v in customers.entity_columns.items() if k != "email"}
    return [
        DatasetSpec.model_validate(base),
        DatasetSpec.model_validate(
            {
                **base,
                "name": "leaky",
                "entity_columns": entities,
                "passthrough_columns": [*customers.passthrough_columns, "email"],
            }
        ),
    ]


def _run(
    settings: VaultSettings, instance: dg.DagsterInstance, lineage: LineageResource
) -> dg.ExecuteInProcessResult:
    defs = build_definitions(_specs(settings), settings, lineage=lineage)
    return defs.resolve_job_def(ALL_JOB).execute_in_process(instance=instance, raise_on_error=False)


def _http(receiver: Receiver, **config: Any) -> LineageResource:
    base = receiver.url.removesuffix("/hook")
    return LineageResource(transport="http", url=base, endpoint="api/v1/lineage", **config)


@pytest.fixture(scope="module")
def emitted(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver]:
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    prepare_landing(settings, tickets=20, customers=30)
    with serving() as receiver:
        result = _run(settings, dagster_instance, _http(receiver))
    return settings, result, receiver


def _events(receiver: Receiver) -> list[dict[str, Any]]:
    return receiver.bodies()


def _by_job(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        found[event["job"]["name"]].append(event)
    return found


def _complete(events: list[dict[str, Any]], job: str) -> dict[str, Any]:
    (event,) = [e for e in _by_job(events)[job] if e["eventType"] == "COMPLETE"]
    return event


def test_every_event_is_valid_against_the_openlineage_schema(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    _, _, receiver = emitted
    events = _events(receiver)
    assert events
    assert all(r.headers["content-type"] == "application/json" for r in receiver.received)
    assert {e["schemaURL"] for e in events} == {
        "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
    }
    for event in events:
        assert errors(event) == [], event["job"]["name"]


def test_each_step_starts_then_completes_or_fails_once(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    _, result, receiver = emitted
    runs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for event in _events(receiver):
        runs[event["run"]["runId"]].append((event["job"]["name"], event["eventType"]))
    states = {jobs[0][0]: [state for _, state in jobs] for jobs in runs.values()}
    assert len(states) == len(runs)  # one lineage run per step
    assert states == {
        **{f"customers/{s}": ["START", "COMPLETE"] for s in ("raw", "pii_findings")},
        **{f"customers/{s}": ["START", "COMPLETE"] for s in ("anonymized", "registered")},
        **{f"leaky/{s}": ["START", "COMPLETE"] for s in ("raw", "pii_findings")},
        "leaky/anonymized": ["START", "FAIL"],  # leaky/registered never ran
    }
    for event in _events(receiver):
        parent = event["run"]["facets"]["parent"]
        assert (parent["run"]["runId"], parent["job"]["name"]) == (result.run_id, ALL_JOB)


def test_a_failing_step_sends_fail_with_its_value_free_error(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    settings, _, receiver = emitted
    (fail,) = [
        e for e in _by_job(_events(receiver))["leaky/anonymized"] if e["eventType"] == "FAIL"
    ]
    message = fail["run"]["facets"]["errorMessage"]["message"]
    assert "PII findings left" in message
    assert "EMAIL_ADDRESS" in message
    (output,) = fail["outputs"]
    assert output["facets"]["vault"]["checks"] == {"no_pii_left": False}
    assert output["name"] == str(Path(settings.home) / "datasets" / "leaky" / "anonymized")


def test_datasets_are_named_by_their_storage_urls(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    settings, _, receiver = emitted
    events = _events(receiver)
    tables = Path(settings.home) / "datasets" / "customers"
    names = {
        job: (
            [(d["namespace"], d["name"]) for d in event["inputs"]],
            [(d["namespace"], d["name"]) for d in event["outputs"]],
        )
        for job in ("raw", "pii_findings", "anonymized", "registered")
        for event in [_complete(events, f"customers/{job}")]
    }
    raw = ("file", str(tables / "raw_manifest"))
    findings = ("file", str(tables / "pii_findings"))
    anonymized = ("file", str(tables / "anonymized"))
    assert names == {
        "raw": ([("file", str(Path(settings.landing_url) / "customers"))], [raw]),
        "pii_findings": ([raw], [findings]),
        "anonymized": ([raw, findings], [anonymized]),
        "registered": ([anonymized], [("file", settings.registry_url)]),
    }
    start = next(e for e in _by_job(events)["customers/anonymized"] if e["eventType"] == "START")
    assert [d["name"] for d in start["outputs"]] == [anonymized[1]]


def test_facets_carry_schema_counts_checks_and_the_registered_version(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    _, result, receiver = emitted
    events = _events(receiver)
    materialized = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    records = materialized["customers/raw"]["records"].value
    raw = _complete(events, "customers/raw")
    (landing,) = raw["inputs"]
    assert landing["inputFacets"]["inputStatistics"]["fileCount"] == 1
    (raw_out,) = raw["outputs"]
    assert {f["name"] for f in raw_out["facets"]["schema"]["fields"]} >= set(ENTITIES)
    counts = raw_out["facets"]["vault"]["counts"]
    assert (counts["records"], counts["quarantined"]) == (
        records,
        materialized["customers/raw"]["quarantined"].value,
    )
    assert raw_out["outputFacets"]["outputStatistics"]["rowCount"] == records

    anonymized = _complete(events, "customers/anonymized")["outputs"][0]
    vault = anonymized["facets"]["vault"]
    assert vault["checks"] == {"no_pii_left": True}
    assert vault["policy"] == "customers-pseudonymized"
    assert vault["dataVersion"].startswith("b3:")

    registered = _complete(events, "customers/registered")
    (source,) = registered["inputs"]
    assertions = {
        a["assertion"]: a for a in source["inputFacets"]["dataQualityAssertions"]["assertions"]
    }
    assert assertions["no_pii_left"]["success"] is True
    assert assertions["expect_contract"] == {
        "assertion": "expect_contract",
        "name": "expect_contract",
        "success": True,
        "severity": "error",
        "params": {},
    }
    metadata = materialized["customers/registered"]
    assert (
        source["inputFacets"]["dataQualityMetrics"]["rowCount"]
        == metadata["dagster/row_count"].value
    )
    (registry,) = registered["outputs"]
    assert registry["facets"]["vault"]["version"] == metadata["version"].value
    assert registry["facets"]["vault"]["dataVersion"] == metadata["data_version"].value
    assert registry["facets"]["vault"]["policyDigest"] == vault["policyDigest"]
    assert (
        registry["facets"]["version"]["datasetVersion"] == f"customers@{metadata['version'].value}"
    )


def test_column_lineage_of_anonymized_names_the_raw_column_and_the_operator(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    settings, _, receiver = emitted
    (output,) = _complete(_events(receiver), "customers/anonymized")["outputs"]
    fields = output["facets"]["columnLineage"]["fields"]
    raw = str(Path(settings.home) / "datasets" / "customers" / "raw_manifest")

    def source(column: str) -> tuple[str, str, str, str, bool]:
        (field,) = fields[column]["inputFields"]
        (step,) = field["transformations"]
        return field["name"], field["field"], step["subtype"], step["description"], step["masking"]

    assert set(fields) == {f["name"] for f in output["facets"]["schema"]["fields"]}
    assert source("email") == (raw, "email", "TRANSFORMATION", "surrogate (EMAIL_ADDRESS)", True)
    assert source("birth_date") == (
        raw,
        "birth_date",
        "TRANSFORMATION",
        "generalize (DATE_TIME)",
        True,
    )
    assert source("customer_id") == (raw, "customer_id", "IDENTITY", "copied unchanged", False)
    assert source("record_id")[2] == "IDENTITY"
    assert source("notes")[1:] == ("notes", "TRANSFORMATION", "token (each finding)", True)


def test_no_landed_pii_value_is_in_any_event(
    emitted: tuple[VaultSettings, dg.ExecuteInProcessResult, Receiver],
) -> None:
    settings, _, receiver = emitted
    with open(Path(settings.landing_url) / "customers" / "customers.csv") as handle:
        rows = list(csv.DictReader(handle))
    values = {row.get(c) or "" for row in rows for c in ENTITIES} - {""}
    values = {value for value in values if len(value) > 4}
    assert values
    bodies = [r.body.decode() for r in receiver.received]
    for value in values:
        for body in bodies:
            assert value not in body
            assert json.dumps(value)[1:-1] not in body


def test_when_the_receiver_fails_then_the_steps_do_not(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> None:
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    prepare_landing(settings, tickets=20, customers=20)
    spec = _specs(settings)[0]
    with serving() as receiver:
        receiver.plan = [500] * 100
        lineage = _http(receiver, retries=0)
        defs = build_definitions([spec], settings, lineage=lineage)
        result = defs.resolve_job_def(ALL_JOB).execute_in_process(instance=dagster_instance)
    assert result.success
    assert len(receiver.received) == 8  # START and COMPLETE of four steps, each answered 500
    warnings = [
        e.message
        for e in dagster_instance.all_logs(result.run_id)
        if e.level == 30 and "OpenLineage" in e.message
    ]
    assert len(warnings) == 4
    # The error's type only (urllib3 gives up on the 500s with a RetryError): no event content.
    assert all(w.endswith("(RetryError); the step is unaffected") for w in warnings)
