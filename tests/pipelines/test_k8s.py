"""The Kubernetes executor can't run here (no cluster): its configuration loads and validates."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.k8s import k8s_executor


@pytest.fixture
def definitions(tmp_path: Path) -> dg.Definitions:
    settings = VaultSettings(home=str(tmp_path / "vault"))
    executor = k8s_executor(
        namespace="vault",
        service_account_name="vault-steps",
        max_concurrent=4,
        step_resources={"requests": {"cpu": "1", "memory": "2Gi"}},
    )
    return build_definitions(demo_datasets(settings.landing_url), settings, executor=executor)


def test_when_k8s_executor_is_given_then_every_job_uses_it(definitions: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(definitions)
    for name in (ALL_JOB, "tickets_partitions"):
        job = definitions.resolve_job_def(name)
        assert job.executor_def.name == "vault_k8s_job_executor"


def test_when_run_config_is_validated_then_k8s_settings_resolve(
    definitions: dg.Definitions,
) -> None:
    job = definitions.resolve_job_def(ALL_JOB)
    dg.validate_run_config(job, {})  # the job's run config needs nothing more
    mapped = job.executor_def.apply_config_mapping({})  # checked against dagster-k8s's schema
    assert mapped.success, mapped.errors
    execution = mapped.value["config"]
    assert execution["job_namespace"] == "vault"
    assert execution["service_account_name"] == "vault-steps"
    assert execution["env_secrets"] == ["vault-secrets"]
    assert execution["env_vars"] == ["VAULT_HOME", "AWS_DEFAULT_REGION"]
    assert execution["max_concurrent"] == 4
    assert execution["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}}


def test_when_no_executor_is_given_then_dagster_default_executor() -> None:
    settings = VaultSettings(home="/tmp/unused-vault-home")
    defs = build_definitions(demo_datasets(settings.landing_url), settings)
    assert defs.resolve_job_def(ALL_JOB).executor_def.name != "vault_k8s_job_executor"
