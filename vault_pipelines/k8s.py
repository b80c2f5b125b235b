"""Steps as Kubernetes jobs: Dagster's ``k8s_job_executor`` configured for the vault (``k8s``
extra).

Each step of a run becomes a Kubernetes job on the image of the user code deployment. A step
needs what the vault needs and nothing from a developer's machine: the home on S3
(``VAULT_HOME``), the instance on PostgreSQL (``VAULT_DAGSTER_PG_URL``), and either the master
secret of the local keyring or a KMS key provider. Secrets come from Kubernetes secrets
(``env_secrets``), never from the run config the UI shows; AWS credentials from the pod's
service account (IRSA) where possible.

Example:
    >>> defs = build_definitions(datasets, settings, executor=k8s_executor(namespace="vault"))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg

DEFAULT_ENV_SECRETS = ("vault-secrets",)
"""Kubernetes secrets whose keys become the step's environment: ``VAULT_MASTER_SECRET`` (local
keyring), ``VAULT_DAGSTER_PG_URL`` and, without IRSA, ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``."""

DEFAULT_ENV_VARS = ("VAULT_HOME", "AWS_DEFAULT_REGION")
"""Variables passed through from the run worker's environment (names only)."""


def k8s_executor(
    *,
    namespace: str | None = None,
    env_secrets: Sequence[str] = DEFAULT_ENV_SECRETS,
    env_vars: Sequence[str] = DEFAULT_ENV_VARS,
    service_account_name: str | None = None,
    max_concurrent: int | None = None,
    step_resources: dict[str, Any] | None = None,
    retries: bool = True,
) -> dg.ExecutorDefinition:
    """Dagster's ``k8s_job_executor`` with the vault's defaults, for ``build_definitions``.

    Args:
        namespace: Namespace of the step jobs (default: the run worker's).
        env_secrets: Kubernetes secrets exposed to every step as environment variables.
        env_vars: Environment variables passed from the run worker to every step.
        service_account_name: Service account of the step pods (IRSA: S3 and KMS access).
        max_concurrent: Steps of one run running at once (None: no limit).
        step_resources: ``{"requests": {...}, "limits": {...}}`` of each step container; NER
            steps want about 2 GiB.
        retries: Re-run a failed step (the run's retry policy decides how often).
    """
    from dagster_k8s import k8s_job_executor

    config: dict[str, Any] = {
        "env_secrets": list(env_secrets),
        "env_vars": list(env_vars),
        "retries": {"enabled": {}} if retries else {"disabled": {}},
    }
    if namespace:
        config["job_namespace"] = namespace
    if service_account_name:
        config["service_account_name"] = service_account_name
    if max_concurrent is not None:
        config["max_concurrent"] = max_concurrent
    if step_resources:
        config["resources"] = step_resources
    return k8s_job_executor.configured(config, name="vault_k8s_job_executor")
