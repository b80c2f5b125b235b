"""The demo: synthetic landing data, the whole asset graph materialized on a persistent instance,
and a summary read back from what Dagster recorded."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.partitions import group_by_partition, list_landing_files
from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_demo.summary import DatasetSummary, collect
from vault_demo.synthetic import CorpusSummary
from vault_pipelines.definitions import ALL_JOB, build_definitions, partitions_job_name
from vault_pipelines.instance import fail_dead_runs, process_tags
from vault_pipelines.resources import MlflowResource

# Step-level DEBUG events stay in the instance (and the UI); the terminal shows INFO and up.
_QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class DemoRun:
    """What :func:`run_demo` did."""

    corpus: CorpusSummary
    success: bool
    run_ids: list[str]
    """The unpartitioned datasets' run, then one range run per partitioned dataset."""
    summaries: list[DatasetSummary]
    checks: dict[str, bool]
    """``<asset>:<check>`` -> passed."""


def landed_range(spec: DatasetSpec) -> tuple[str, str] | None:
    """First and last partition key holding landing files of a partitioned dataset (the range
    the demo backfills in one run), or None when nothing landed."""
    keys = sorted(group_by_partition(list_landing_files(spec)))
    return (keys[0], keys[-1]) if keys else None


def run_demo(
    settings: VaultSettings,
    instance: dg.DagsterInstance,
    *,
    tickets: int = 3000,
    customers: int = 2500,
    mlflow: bool = True,
) -> DemoRun:
    """Land the synthetic corpus and materialize every asset and check of the demo datasets:
    ``vault_all`` for the datasets without partitioning, then, per partitioned dataset, its
    ``<name>_partitions`` job over the days that landed, as one single-run backfill (the run
    ``dagster asset materialize --partition-range`` starts).

    With ``mlflow``, each new registered version is logged to the MLflow tracking store under
    the vault home (a SQLite file, no server)."""
    corpus = prepare_landing(settings, tickets=tickets, customers=customers)
    datasets = demo_datasets(settings.landing_url, settings.storage_options)
    definitions = build_definitions(datasets, settings, mlflow=MlflowResource(enabled=mlflow))
    fail_dead_runs(instance)  # an earlier demo killed mid-run stays STARTED otherwise
    runs: list[tuple[str, dict[str, str]]] = [(ALL_JOB, {})]
    for spec in datasets:
        landed = landed_range(spec) if spec.partitioning != "none" else None
        if landed is not None:
            tags = {
                "dagster/asset_partition_range_start": landed[0],
                "dagster/asset_partition_range_end": landed[1],
            }
            runs.append((partitions_job_name(spec), tags))
    results = [
        definitions.resolve_job_def(name).execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=_QUIET_RUN_CONFIG,
            tags={**process_tags(), **tags},
        )
        for name, tags in runs
    ]
    checks = {
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}": evaluation.passed
        for result in results
        for evaluation in result.get_asset_check_evaluations()
    }
    return DemoRun(
        corpus,
        all(result.success for result in results),
        [result.run_id for result in results],
        collect(instance, datasets),
        checks,
    )
