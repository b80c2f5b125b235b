"""The landing-zone sensor of a dataset: runs the partitions whose landing files changed.

Each evaluation lists the dataset's source (sizes and fingerprints, no data read), plans with
:func:`vault_core.landing.plan_landing` against the JSON cursor, adds the dynamic partitions of new
files of a ``files`` dataset, and requests one run per changed partition over the dataset's
stages. The new cursor travels in the same ``SensorResult`` as the run requests, so a failed
evaluation advances nothing and a replayed one repeats the same run keys (Dagster skips them).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import dagster as dg

from vault_core.dataset import TIME_WINDOWS, DatasetSpec
from vault_core.landing import DEFAULT_SETTLE_SECONDS, LandingCursor, LandingPlan, plan_landing
from vault_core.partitions import list_landing_files
from vault_pipelines.partitions import partitions_def

STAGES = ("raw", "pii_findings", "anonymized", "registered")
"""The stages a landing run materializes, in graph order."""

DEFAULT_INTERVAL_SECONDS = 30


def landing_sensor_name(spec: DatasetSpec) -> str:
    """``<dataset>_landing``."""
    return f"{spec.name}_landing"


def stage_keys(spec: DatasetSpec) -> list[dg.AssetKey]:
    """The asset keys a landing run of ``spec`` targets."""
    return [dg.AssetKey([spec.name, stage]) for stage in STAGES]


def landing_sensor(
    spec: DatasetSpec,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    minimum_interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    storage_options: Mapping[str, Any] | None = None,
) -> dg.SensorDefinition:
    """The sensor ``<dataset>_landing``: one run per partition whose landing files changed.

    Args:
        spec: The dataset whose ``source`` is watched.
        settle_seconds: A file last modified longer ago than this is complete on first sight;
            any other file (and every object of a store that fingerprints by ETag) must be
            listed unchanged on two consecutive evaluations before its partition runs.
        minimum_interval_seconds: Time between evaluations.
        default_status: Whether the sensor runs as soon as the code location loads.
        storage_options: fsspec options for the source, instead of ``spec.storage_options``.
    """
    keys = stage_keys(spec)
    partitions = partitions_def(spec)
    options: dict[str, Any] = dict(
        storage_options if storage_options is not None else spec.storage_options
    )
    # A sensor must see the store as it is now, not a listing fsspec cached on an earlier tick.
    options.setdefault("use_listings_cache", False)

    @dg.sensor(
        name=landing_sensor_name(spec),
        asset_selection=keys,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            f"Runs the partitions of {spec.name} whose landing files are new or changed, once "
            "they have settled; reports files still being written and removed ones."
        ),
    )
    def _landing(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        cursor = LandingCursor.from_json(context.cursor)
        listing = list_landing_files(spec, options)
        # An open time window (or one before partition_start) is no partition yet: its files wait.
        exists = partitions.has_partition_key if spec.partitioning in TIME_WINDOWS else None
        plan = plan_landing(
            cursor, listing, now=time.time(), settle_seconds=settle_seconds, partition_exists=exists
        )
        summary = plan.summary()
        context.log.info(summary)
        return dg.SensorResult(
            run_requests=_run_requests(spec, plan, keys),
            dynamic_partitions_requests=_partitions_to_add(partitions, plan, context.instance),
            cursor=plan.cursor.to_json(),
            skip_reason=None if plan.requests else summary,
        )

    return _landing


def _run_requests(
    spec: DatasetSpec, plan: LandingPlan, keys: list[dg.AssetKey]
) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(
            run_key=request.run_key,
            partition_key=None if spec.partitioning == "none" else request.partition,
            asset_selection=keys,
            tags={
                "vault/trigger": "landing",
                "vault/landing_files": str(request.files),
                "vault/landing_new": str(request.new),
                "vault/landing_changed": str(request.changed),
            },
        )
        for request in plan.requests
    ]


def _partitions_to_add(
    partitions: dg.PartitionsDefinition | None, plan: LandingPlan, instance: dg.DagsterInstance
) -> list[dg.AddDynamicPartitionsRequest]:
    """The requested partitions of a ``files`` dataset that the instance does not know yet."""
    if not isinstance(partitions, dg.DynamicPartitionsDefinition) or not plan.requests:
        return []
    assert partitions.name is not None
    known = set(instance.get_dynamic_partitions(partitions.name))
    missing = [key for key in plan.requested_partitions if key not in known]
    return [partitions.build_add_request(missing)] if missing else []
