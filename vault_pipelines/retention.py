"""The ``vault_retention`` job and its schedule: enforce every dataset's retention.

One op walks the datasets: partitions older than ``raw_retention_days`` are purged from every
zone and Delta versions older than ``retention_hours`` vacuumed
(:func:`vault_core.erasure.retention.enforce`). What was removed is reported as counts: the
op's output metadata per dataset, and a materialization of ``<ds>/registered`` carrying the
version registered after the purge (the registry sync picks it up like any registration).
"""

from collections.abc import Sequence
from typing import Any

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.erasure.retention import RetentionReport
from vault_pipelines.factory import registration_event
from vault_pipelines.resources import VaultResource

RETENTION_JOB = "vault_retention"
RETENTION_SCHEDULE = "vault_retention_daily"


def _counts(report: RetentionReport) -> dict[str, Any]:
    return {
        "partitions_purged": len(report.partitions),
        "records_purged": report.records,
        "quarantined_purged": report.quarantined,
        "rows_removed": dict(report.rows),
        "files_removed": report.files_removed,
        "objects_deleted": report.objects_deleted,
        "files_vacuumed": report.files_vacuumed,
        "expired_versions": list(report.expired_versions),
    }


def retention_job(datasets: Sequence[DatasetSpec]) -> dg.JobDefinition:
    """The job that enforces the retention of ``datasets``."""
    specs = list(datasets)

    @dg.op(name="enforce_retention")
    def enforce_retention(context: dg.OpExecutionContext, vault: VaultResource) -> Any:
        """Purge partitions older than each dataset's raw retention; vacuum old versions."""
        the_vault = vault.vault_for_run(context.run.tags)
        totals: dict[str, Any] = {}
        for spec in specs:
            report: RetentionReport = the_vault.enforce_retention(spec)
            counts = _counts(report)
            totals[spec.name] = counts
            context.log.info(
                "%s: %d partitions purged (%d records), %d files vacuumed",
                spec.name, len(report.partitions), report.records, report.files_vacuumed,
            )  # fmt: skip
            if report.new_version is not None:
                name, version = report.new_version.split("@", 1)
                record = the_vault.registry.get(name, version)
                yield registration_event(record, {"retention": dg.MetadataValue.json(counts)})
        yield dg.Output(
            None,
            metadata={
                "datasets": len(specs),
                "partitions_purged": sum(c["partitions_purged"] for c in totals.values()),
                "records_purged": sum(c["records_purged"] for c in totals.values()),
                "files_vacuumed": sum(c["files_vacuumed"] for c in totals.values()),
                "by_dataset": dg.MetadataValue.json(totals),
            },
        )

    @dg.job(
        name=RETENTION_JOB,
        description="Purge partitions older than each dataset's raw_retention_days; vacuum.",
    )
    def job() -> None:
        enforce_retention()

    return job


def retention_schedule(
    job: dg.JobDefinition,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> dg.ScheduleDefinition:
    """Run ``job`` daily at 03:00 (after ``vault_nightly``)."""
    return dg.ScheduleDefinition(
        name=RETENTION_SCHEDULE,
        job=job,
        cron_schedule="0 3 * * *",
        default_status=default_status,
        description="Enforce every dataset's retention daily.",
    )
