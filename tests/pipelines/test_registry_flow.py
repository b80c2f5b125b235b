"""One dataset materialized three times (new data, then new code) on a real instance: semver bumps,
provenance, time travel, sync from the instance, and MLflow impact."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Registry
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.registry_sync import RegistrySync, report_alias

pytestmark = pytest.mark.integration
INSTANCE_KINDS = ("sqlite", "postgres")  # registry sync on both instance kinds


def _spec(settings: VaultSettings, batch_size: int) -> DatasetSpec:
    customers = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
    # batch_size changes the code version but not the output: a patch.
    return customers.model_copy(
        update={"pii": PiiEngineConfig(mode="patterns", batch_size=batch_size)}
    )


def _materialize(settings: VaultSettings, instance: dg.DagsterInstance, batch_size: int) -> str:
    job = build_definitions([_spec(settings, batch_size)], settings).resolve_job_def(ALL_JOB)
    result = job.execute_in_process(instance=instance, raise_on_error=True)
    return result.run_id


@pytest.fixture(scope="module")
def flow(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> tuple[VaultSettings, list[str]]:
    """Run 1: initial data. Run 2: one more landing file. Run 3: same data, new code version."""
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    prepare_landing(settings, tickets=20, customers=30)
    runs = [_materialize(settings, dagster_instance, 256)]
    landing = Path(settings.landing_url) / "customers"
    header, first = (landing / "customers.csv").read_text().splitlines()[:2]
    fields = first.split(",")
    fields[header.split(",").index("customer_id")] = "C-EXTRA-1"
    (landing / "customers-extra.csv").write_text(header + "\n" + ",".join(fields) + "\n")
    runs.append(_materialize(settings, dagster_instance, 256))
    runs.append(_materialize(settings, dagster_instance, 128))
    return settings, runs


def test_when_data_then_code_change_then_minor_then_patch_with_unbroken_provenance(
    flow: tuple[VaultSettings, list[str]],
) -> None:
    settings, runs = flow
    history = Vault(settings).registry.history("customers")
    assert [r.version for r in history] == ["1.0.0", "1.1.0", "1.1.1"]
    assert [r.provenance.run_id for r in history] == runs
    v100, v110, v111 = history
    raw = {r.version: {u.asset: u for u in r.provenance.upstream} for r in history}
    assert raw["1.1.0"]["customers/raw"].data_version != raw["1.0.0"]["customers/raw"].data_version
    # Run 3 rebuilt from the same data: same raw input, same content, new code version.
    assert raw["1.1.1"]["customers/raw"].data_version == raw["1.1.0"]["customers/raw"].data_version
    assert v111.data_version == v110.data_version
    assert v111.code_version != v110.code_version
    # A new code version reruns the stages (their inputs digest names it): the partition is
    # rewritten with the same content, so the data version stays and only the Delta version moves.
    assert v111.delta_version is not None
    assert v110.delta_version is not None
    assert v111.delta_version > v110.delta_version
    assert all(
        r.checks["no_pii_left"] and r.checks["expect_contract"] and "residual_pii" in r.checks
        for r in history
    )
    lineage = Vault(settings).registry.lineage("customers", "1.1.0")
    assert any(url.endswith("customers-extra.csv") for url in lineage.source_files)
    assert all(digest.startswith("b3:") for digest in lineage.source_files.values())
    assert runs[1] in lineage.run_ids
    assert not any(
        url.endswith("customers-extra.csv")
        for url in Vault(settings).registry.lineage("customers", "1.0.0").source_files
    )
    assert v100.row_count + 1 == v110.row_count


def test_when_older_version_is_loaded_then_its_own_bytes_come_back(
    flow: tuple[VaultSettings, list[str]],
) -> None:
    settings, _ = flow
    registry = Vault(settings).registry
    old = registry.load("customers", "1.0.0", as_="arrow")
    new = registry.load("customers", "1.1.0", as_="pandas")
    assert old.num_rows + 1 == len(new)
    assert "C-EXTRA-1" not in old.column("customer_id").to_pylist()
    assert "C-EXTRA-1" in set(new["customer_id"])
    assert registry.load("customers", "1.0.0").height == old.num_rows


def test_when_index_is_lost_then_sync_rebuilds_it_from_the_instance_and_cursor_survives(
    flow: tuple[VaultSettings, list[str]], dagster_instance: dg.DagsterInstance
) -> None:
    settings, _ = flow
    before = [(r.key, r.data_version) for r in Vault(settings).registry.list()]
    shutil.rmtree(settings.registry_url)
    registry = Registry.open(settings.registry_url)
    first = RegistrySync(dagster_instance, registry).run()
    assert first.materializations == 3
    assert first.inserted == 3
    assert [(r.key, r.data_version) for r in registry.list()] == before
    # A new sync object (a restarted process) starts from the persisted cursor.
    again = RegistrySync(dagster_instance, Registry.open(settings.registry_url)).run()
    assert (again.materializations, again.inserted) == (0, 0)
    assert again.cursor == first.cursor


def test_when_version_is_deprecated_then_not_training_ready_and_reason_kept(
    flow: tuple[VaultSettings, list[str]],
) -> None:
    settings, _ = flow
    registry = Vault(settings).registry
    assert registry.evaluate("customers", "1.1.1").passed
    registry.deprecate("customers", "1.0.0", "superseded by 1.1.0")
    record = Registry.open(settings.registry_url).get("customers", "1.0.0")
    assert (str(record.status), record.status_reason) == ("deprecated", "superseded by 1.1.0")
    assert "status is deprecated" in registry.evaluate("customers", "1.0.0").failures


def test_when_model_is_trained_on_a_version_then_impact_lists_the_mlflow_model(
    flow: tuple[VaultSettings, list[str]],
) -> None:
    import mlflow
    from mlflow.tracking import MlflowClient

    from vault_core.registry.mlflow import (
        DATASETS_TAG,
        link_model_version,
        log_dataset,
        tracking_uri,
    )

    settings, _ = flow
    registry = Vault(settings).registry
    uri = tracking_uri(settings)
    assert uri == f"sqlite:///{settings.home}/mlflow/mlflow.db"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    with mlflow.start_run() as run:
        logged = log_dataset(registry, "customers", "1.1.0")
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [
        ("customers@1.1.0", logged.data_version[:35])
    ]
    assert {t.key: t.value for t in inputs[0].tags}["vault.digest"] == logged.data_version
    client.create_registered_model("churn")
    model = client.create_model_version("churn", f"runs:/{run.info.run_id}/model", run.info.run_id)
    record = link_model_version(registry, "churn", model.version, client=client)
    assert record.depends_on == {"customers": "1.1.0"}
    assert client.get_model_version("churn", model.version).tags[DATASETS_TAG] == "customers@1.1.0"
    assert [r.key for r in registry.impact("customers")] == ["churn@1.0.0"]
    assert registry.impact("customers", "1.0.0") == []


def test_when_cli_queries_then_versions_lineage_diff_and_unknown_names(
    flow: tuple[VaultSettings, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from vault_pipelines.cli import main as vault_cli

    settings, runs = flow
    home = ["--home", settings.home, "registry"]
    assert vault_cli([*home, "list", "--json", "--name", "customers", "--versions", "^1.1"]) == 0
    assert [row["version"] for row in json.loads(capsys.readouterr().out)] == ["1.1.0", "1.1.1"]
    assert vault_cli([*home, "alias", "customers", "production", "1.1.1"]) == 0
    assert vault_cli([*home, "lineage", "customers", "production"]) == 0
    assert runs[2] in capsys.readouterr().out
    assert vault_cli([*home, "diff", "customers", "1.0.0", "1.1.0"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert (diff["change"], diff["schema_changed"]) == ("data", False)
    assert vault_cli([*home, "get", "custmers"]) == 2
    assert "did you mean customers" in capsys.readouterr().err


def test_when_index_is_rebuilt_then_deprecations_and_aliases_are_replayed(
    flow: tuple[VaultSettings, list[str]], dagster_instance: dg.DagsterInstance
) -> None:
    settings, _ = flow
    registry = Registry.open(settings.registry_url)
    RegistrySync(dagster_instance, registry).run()  # a live index with a cursor
    # What `vault registry deprecate` and `vault registry alias` do.
    registry.deprecate("customers", "1.1.0", "late rows")
    RegistrySync(dagster_instance, registry).report_statuses()
    for version in ("1.1.1", "1.0.0"):
        registry.set_alias("customers", "production", version)
        report_alias(dagster_instance, registry.get("customers", version), "production", on=True)
    # Datasets only: an MLflow model registered through the API is not in the instance.
    live = ([r.model_dump() for r in registry.list(kind="dataset")], registry.aliases("customers"))
    assert live[1] == {"production": "1.0.0"}

    shutil.rmtree(settings.registry_url)
    rebuilt = Registry.open(settings.registry_url)
    RegistrySync(dagster_instance, rebuilt).run()
    assert (
        [r.model_dump() for r in rebuilt.list(kind="dataset")],
        rebuilt.aliases("customers"),
    ) == live
    assert [str(r.status) for r in rebuilt.list(kind="dataset")] == [
        "deprecated",
        "deprecated",
        "active",
    ]
    # Replaying again (a live index) changes nothing.
    version = rebuilt.updates_since(-1)[0]
    RegistrySync(dagster_instance, Registry.open(settings.registry_url)).run()
    assert Registry.open(settings.registry_url).updates_since(-1)[0] == version
