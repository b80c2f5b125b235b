"""Dagster definitions of the vault: every dataset's assets, the job that builds them, a schedule.

A project calls :func:`build_definitions` with its own ``DatasetSpec``s in the module its
``workspace.yaml`` names (the demo's is ``vault_demo.definitions``). Importing this module builds
no ``Definitions``: no model loading, no key access, no storage scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_pipelines.event_sensor import events_sensor
from vault_pipelines.factory import AUDIT_ASSET, STAGES, asset_key, dataset_assets
from vault_pipelines.resources import (
    LineageResource,
    MlflowResource,
    PartitionWorkersResource,
    PiiEngineResource,
    VaultResource,
    WebhooksResource,
)
from vault_pipelines.retention import retention_job, retention_schedule
from vault_pipelines.sensors import landing_sensor

ALL_JOB = "vault_all"


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def registry_sync_sensor(
    context: dg.SensorEvaluationContext, vault: VaultResource
) -> dg.SkipReason:
    """Keep the registry index in step with the instance's registrations (incremental)."""
    from vault_core.registry import Registry
    from vault_pipelines.registry_sync import RegistrySync

    # The sync projects the instance into the index: not a principal's write (each version was
    # checked, `dataset:register`, and audited by the step that materialized it).
    settings = vault.settings()
    repository = context.repository_def
    result = RegistrySync(
        context.instance,
        Registry.open(settings.registry_url, settings.storage_options or None),
        storage_options=vault.storage_options or None,
        check_keys=repository.asset_graph.asset_check_keys if repository else (),
    ).run()
    return dg.SkipReason(
        f"registry sync: {result.materializations} materializations, {result.inserted} new, "
        f"{result.check_evaluations} check evaluations, "
        f"non-compliant: {', '.join(result.non_compliant) or 'none'}"
    )


def partitions_job_name(spec: DatasetSpec) -> str:
    """The job that builds partitions of a partitioned dataset (with its registration)."""
    return f"{spec.name}_partitions"


def _unpartitioned_selection(datasets: Sequence[DatasetSpec]) -> dg.AssetSelection:
    """Every asset of the datasets without partitioning (a job runs one partitions definition
    at a time; partitioned datasets are built, and registered, by their ``<ds>_partitions``)."""
    keys = [
        asset_key(spec, stage)
        for spec in datasets
        for stage in STAGES
        if spec.partitioning == "none"
    ]
    return dg.AssetSelection.assets(*keys)


def build_definitions(
    datasets: Sequence[DatasetSpec],
    settings: VaultSettings | None = None,
    landing_sensor_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    workers: PartitionWorkersResource | None = None,
    webhooks: WebhooksResource | None = None,
    mlflow: MlflowResource | None = None,
    executor: dg.ExecutorDefinition | None = None,
    retention_status: dg.DefaultScheduleStatus | None = None,
    lineage: LineageResource | None = None,
) -> dg.Definitions:
    """Definitions for ``datasets`` stored in the vault described by ``settings``.

    ``landing_sensor_status`` is the default status of each dataset's ``<name>_landing`` sensor;
    ``workers`` says where a step that builds a range of partitions builds them (default: one
    after the other in the step's process; see :class:`PartitionWorkersResource`);
    ``webhooks`` configures the delivery of the ``vault_events`` sensor; ``mlflow``, where
    registered versions are logged (default: not logged); ``executor`` runs the jobs' steps
    (default Dagster's multiprocess executor; ``vault_pipelines.k8s.k8s_executor`` for
    Kubernetes jobs).
    ``retention_status`` is the default status of the ``vault_retention_daily`` schedule
    (default: running when a dataset declares ``raw_retention_days``, a promise to keep).
    ``lineage`` says where each materialization's OpenLineage run events go (default: nowhere;
    see :class:`LineageResource`).
    """
    settings = settings or VaultSettings.from_env()
    names = [spec.name for spec in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"dataset names must be unique, got {names}")
    assets_and_checks = [item for spec in datasets for item in dataset_assets(spec)]
    checks = [c for c in assets_and_checks if isinstance(c, dg.AssetChecksDefinition)]
    assets = [a for a in assets_and_checks if not isinstance(a, dg.AssetChecksDefinition)]
    job = dg.define_asset_job(
        ALL_JOB,
        selection=_unpartitioned_selection(datasets),
        description="Build and register every dataset without partitioning.",
    )
    partition_jobs = [
        dg.define_asset_job(
            partitions_job_name(spec),
            selection=dg.AssetSelection.assets(*(asset_key(spec, stage) for stage in STAGES)),
            description=f"Build partitions of {spec.name} (backfill a range from the UI).",
        )
        for spec in datasets
        if spec.partitioning != "none"
    ]
    retention = retention_job(datasets)
    if retention_status is None:
        declared = any(spec.raw_retention_days is not None for spec in datasets)
        retention_status = (
            dg.DefaultScheduleStatus.RUNNING if declared else dg.DefaultScheduleStatus.STOPPED
        )
    return dg.Definitions(
        assets=[*assets, AUDIT_ASSET],
        asset_checks=checks,
        jobs=[job, *partition_jobs, retention],
        sensors=[
            registry_sync_sensor,
            events_sensor,
            *(landing_sensor(spec, default_status=landing_sensor_status) for spec in datasets),
        ],
        schedules=[
            dg.ScheduleDefinition(
                name="vault_nightly",
                job=job,
                cron_schedule="0 2 * * *",
                default_status=dg.DefaultScheduleStatus.STOPPED,
                description="Rebuild every dataset nightly (unchanged inputs are a no-op).",
            ),
            retention_schedule(retention, retention_status),
        ],
        executor=executor,
        resources={
            "vault": VaultResource(
                home=settings.home,
                master_secret_env=settings.master_secret_env,
                storage_options=settings.storage_options,
                state_dir=settings.state_dir,
                key_provider=settings.keys.model_dump(),
            ),
            "pii": PiiEngineResource(),
            "workers": workers or PartitionWorkersResource(),
            "webhooks": webhooks or WebhooksResource(),
            "mlflow": mlflow or MlflowResource(),
            "lineage": lineage or LineageResource(),
        },
    )
