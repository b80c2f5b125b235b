"""The demo: synthetic landing data, the whole asset graph materialized on a persistent instance,
and a summary read back from what Dagster recorded."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_demo.summary import DatasetSummary, collect
from vault_demo.synthetic import CorpusSummary
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.instance import fail_dead_runs, process_tags

# Step-level DEBUG events stay in the instance (and the UI); the terminal shows INFO and up.
_QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class DemoRun:
    """What :func:`run_demo` did."""

    corpus: CorpusSummary
    success: bool
    run_id: str
    summaries: list[DatasetSummary]
    checks: dict[str, bool]
    """``<asset>:<check>`` -> passed."""


def run_demo(
    settings: VaultSettings,
    instance: dg.DagsterInstance,
    *,
    tickets: int = 3000,
    customers: int = 2500,
) -> DemoRun:
    """Land the synthetic corpus and materialize every asset and check of the demo datasets."""
    corpus = prepare_landing(settings, tickets=tickets, customers=customers)
    datasets = demo_datasets(settings.landing_url)
    job = build_definitions(datasets, settings).resolve_job_def(ALL_JOB)
    fail_dead_runs(instance)  # an earlier demo killed mid-run stays STARTED otherwise
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=_QUIET_RUN_CONFIG, tags=process_tags()
    )
    checks = {
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}": evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }
    return DemoRun(corpus, result.success, result.run_id, collect(instance, datasets), checks)
