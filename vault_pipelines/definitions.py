"""Dagster definitions of the vault: every dataset's assets, the job that builds them, a schedule.

``defs`` (loaded by ``workspace.yaml`` and ``dagster dev``) holds the demo datasets under
``$VAULT_HOME``. Your own project calls :func:`build_definitions` with its own ``DatasetSpec``s.
Nothing heavy happens at import: no model loading, no key access, no storage scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_pipelines.demo_data import demo_datasets
from vault_pipelines.factory import dataset_assets
from vault_pipelines.resources import PiiEngineResource, VaultResource
from vault_pipelines.sensors import landing_sensor

ALL_JOB = "vault_all"


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def registry_sync_sensor(
    context: dg.SensorEvaluationContext, vault: VaultResource
) -> dg.SkipReason:
    """Keep the registry index in step with the instance's registrations (incremental)."""
    from vault_pipelines.registry_sync import RegistrySync

    the_vault = vault.get_vault()
    repository = context.repository_def
    result = RegistrySync(
        context.instance,
        the_vault.registry,
        storage_options=vault.storage_options or None,
        check_keys=repository.asset_graph.asset_check_keys if repository else (),
    ).run()
    return dg.SkipReason(
        f"registry sync: {result.materializations} materializations, {result.inserted} new, "
        f"{result.check_evaluations} check evaluations, "
        f"non-compliant: {', '.join(result.non_compliant) or 'none'}"
    )


def build_definitions(
    datasets: Sequence[DatasetSpec],
    settings: VaultSettings | None = None,
    landing_sensor_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.Definitions:
    """Definitions for ``datasets`` stored in the vault described by ``settings``.

    ``landing_sensor_status`` is the default status of each dataset's ``<name>_landing`` sensor.
    """
    settings = settings or VaultSettings.from_env()
    names = [spec.name for spec in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"dataset names must be unique, got {names}")
    assets_and_checks = [item for spec in datasets for item in dataset_assets(spec)]
    checks = [c for c in assets_and_checks if isinstance(c, dg.AssetChecksDefinition)]
    assets = [a for a in assets_and_checks if not isinstance(a, dg.AssetChecksDefinition)]
    job = dg.define_asset_job(
        ALL_JOB, selection=dg.AssetSelection.all(), description="Build every dataset."
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[job],
        sensors=[
            registry_sync_sensor,
            *(landing_sensor(spec, default_status=landing_sensor_status) for spec in datasets),
        ],
        schedules=[
            dg.ScheduleDefinition(
                name="vault_nightly",
                job=job,
                cron_schedule="0 2 * * *",
                default_status=dg.DefaultScheduleStatus.STOPPED,
                description="Rebuild every dataset nightly (unchanged inputs are a no-op).",
            )
        ],
        resources={
            "vault": VaultResource(
                home=settings.home,
                master_secret_env=settings.master_secret_env,
                storage_options=settings.storage_options,
            ),
            "pii": PiiEngineResource(),
        },
    )


def _demo_definitions() -> dg.Definitions:
    settings = VaultSettings.from_env()
    return build_definitions(demo_datasets(settings.landing_url), settings)


defs = _demo_definitions()
