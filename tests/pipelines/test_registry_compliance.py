"""On a real instance: a policy-only change is a patch; check evaluations made after registration
reach the registry through the sync (ERROR failures make versions non-compliant); status changes
are reported back to the instance so the Dagster UI shows them; ``Vault.load`` time travels."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

from vault_core.dataset import DatasetSpec
from vault_core.exceptions import ConfigurationError
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Registry
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.registry_sync import RegistrySync

pytestmark = pytest.mark.integration
ANONYMIZED = dg.AssetKey(["customers", "anonymized"])
REGISTERED = dg.AssetKey(["customers", "registered"])


def _materialize(settings: VaultSettings, instance: dg.DagsterInstance, policy: str) -> None:
    customers = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
    spec = DatasetSpec.model_validate(
        {**customers.model_dump(), "policy": policy, "pii": PiiEngineConfig(mode="patterns")}
    )
    job = build_definitions([spec], settings).resolve_job_def(ALL_JOB)
    job.execute_in_process(instance=instance, raise_on_error=True)


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, dagster_instance: dg.DagsterInstance
) -> VaultSettings:
    """Run 1 with the dataset's policy, run 2 with another policy on the same landed files."""
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    prepare_landing(settings, tickets=20, customers=20)
    _materialize(settings, dagster_instance, "mask-contacts")
    _materialize(settings, dagster_instance, "redact-all")
    return settings


def _anonymized_storage_id(registry: Registry, version: str) -> int:
    ref = next(
        u
        for u in registry.get("customers", version).provenance.upstream
        if u.asset == "customers/anonymized"
    )
    assert ref.storage_id is not None
    return ref.storage_id


def test_when_only_the_policy_changes_then_the_version_is_a_patch(settings: VaultSettings) -> None:
    registry = Vault(settings).registry
    v100, v101 = registry.history("customers")
    assert (v100.version, v101.version) == ("1.0.0", "1.0.1")
    assert v100.data_version != v101.data_version
    assert v100.input_version == v101.input_version
    assert v100.policy_digest != v101.policy_digest
    assert registry.diff("customers", "1.0.0", "1.0.1").change == "policy"


def test_when_error_check_fails_after_registration_then_sync_marks_version_non_compliant(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    registry = Vault(settings).registry
    sync = RegistrySync(dagster_instance, registry)
    first = sync.run()
    # no_pii_left, expect_contract and residual_pii of both materializations.
    assert first.check_evaluations == 6
    assert first.non_compliant == ()
    assert registry.evaluate("customers", "1.0.0").passed
    target = _anonymized_storage_id(registry, "1.0.0")
    dagster_instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=ANONYMIZED,
            check_name="no_pii_left",
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            target_materialization_data=AssetCheckEvaluationTargetMaterializationData(
                storage_id=target,
                run_id=registry.get("customers", "1.0.0").run_id or "",
                timestamp=0.0,
            ),
        )
    )
    result = RegistrySync(dagster_instance, Registry.open(settings.registry_url)).run()
    assert (result.check_evaluations, result.non_compliant) == (1, ("customers@1.0.0",))
    old, new = Registry.open(settings.registry_url).history("customers")
    assert (str(old.status), old.checks["no_pii_left"]) == ("non_compliant", False)
    assert "no_pii_left failed on customers/anonymized" in old.status_reason
    assert (str(new.status), new.checks["no_pii_left"]) == ("active", True)
    failures = registry.evaluate("customers", "1.0.0").failures
    assert "status is non_compliant" in failures
    assert "ERROR checks failed: no_pii_left" in failures
    # The UI sees it: an observation of customers/registered with status, reason and version.
    observation = dagster_instance.fetch_observations(REGISTERED, limit=1).records[0]
    event = observation.asset_observation
    assert event is not None
    metadata = {k: v.value for k, v in event.metadata.items()}
    assert (metadata["version"], metadata["status"]) == ("1.0.0", "non_compliant")
    assert metadata["reason"] == old.status_reason
    # Incremental: nothing new, nothing read again, nothing reported twice.
    again = RegistrySync(dagster_instance, Registry.open(settings.registry_url)).run()
    assert (again.check_evaluations, again.non_compliant, again.statuses_reported) == (0, (), 0)


def test_when_warn_check_fails_without_target_then_latest_version_records_it_but_stays_active(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    registry = Registry.open(settings.registry_url)
    dagster_instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=ANONYMIZED,
            check_name="no_pii_left",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
        )
    )
    result = RegistrySync(dagster_instance, registry, check_keys=[]).run()
    assert (result.check_evaluations, result.non_compliant) == (1, ())
    latest = registry.get("customers", "1.0.1")
    assert (str(latest.status), latest.checks["no_pii_left"]) == ("active", False)
    assert latest.check_severities["no_pii_left"] == "WARN"
    # Training-ready gates on ERROR checks only: a failed WARN check is reported, not gating.
    assert "no_pii_left" not in str(registry.evaluate("customers", "1.0.1").failures)


def test_when_cli_deprecates_then_the_instance_shows_the_status(
    settings: VaultSettings,
    dagster_instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from vault_pipelines.cli import main as vault_cli

    monkeypatch.setenv("DAGSTER_HOME", dagster_instance.root_directory)
    args = ["--home", settings.home, "registry", "deprecate", "customers", "1.0.1"]
    assert vault_cli([*args, "--reason", "superseded by the redact-all review"]) == 0
    assert capsys.readouterr().out.strip() == "deprecated"
    event = dagster_instance.fetch_observations(REGISTERED, limit=1).records[0].asset_observation
    assert event is not None
    metadata = {k: v.value for k, v in event.metadata.items()}
    assert (metadata["version"], metadata["status"], metadata["reason"]) == (
        "1.0.1",
        "deprecated",
        "superseded by the redact-all review",
    )
    # The sync does not report it a second time.
    sync = RegistrySync(dagster_instance, Registry.open(settings.registry_url))
    assert sync.run().statuses_reported == 0


def test_when_vault_loads_a_version_then_exactly_its_bytes_come_back(
    settings: VaultSettings,
) -> None:
    vault = Vault(settings)
    old, new = vault.load("customers", version="1.0.0"), vault.load("customers", version="1.0.1")
    assert old.height == new.height
    assert not old.equals(new)  # two policies, two contents
    assert new.equals(vault.load("customers"))
    with pytest.raises(ConfigurationError, match="pii_findings"):
        vault.load("customers", "pii_findings", version="1.0.0")
