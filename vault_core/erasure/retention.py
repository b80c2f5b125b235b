"""Retention: purge the partitions of a dataset older than its ``raw_retention_days``, and
vacuum the Delta versions older than its ``retention_hours``.

A partition's age runs from the end of its time window (hourly, daily, monthly datasets) or
from when it was ingested (``files`` datasets: the raw stage records ``ingested_at``). A purge
removes the whole partition from every zone (a Delta delete on the partition column, then the
files of every version of that partition), deletes the sealed objects its manifest and
quarantine named (those no other partition names), forgets its states, records it as expired
so that the raw stage never ingests it again from the landing files (which are the user's, read
only to us), registers the dataset as it is left and marks the versions that held the
partition ``expired``. The report holds counts and partition keys, never a value.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import deltalake
import fsspec
import pyarrow.dataset as ds

from vault_core import partition_tables as ptables
from vault_core import subject_index
from vault_core.check_cache import CheckCache
from vault_core.dataset import DatasetSpec
from vault_core.erasure.erase import (
    erased_before,
    live_addresses,
    log_erasure,
    purge_old_files,
    register_after,
)
from vault_core.exceptions import TerminalError
from vault_core.partition_state import PartitionStateStore
from vault_core.partitions import KEY_FORMATS
from vault_core.registry import Registry
from vault_core.registry.records import Status
from vault_core.storage.backends import replace_at
from vault_core.storage_options import fsspec_options
from vault_core.tables import TableNotFoundError, open_dataset, table_version

if TYPE_CHECKING:
    from vault_core.vault import Vault

logger = logging.getLogger(__name__)

EXPIRED_FILE = "_expired.json"
INGESTED_AT = "ingested_at"
"""Raw state count: when the partition was (last) ingested, ISO 8601 UTC."""
ZONES = ("raw_manifest", "quarantine", "pii_findings", "anonymized", subject_index.INDEX_ZONE)
STAGES = ("raw", "pii_findings", "anonymized")


class PartitionExpiredError(TerminalError):
    """A partition was purged by the dataset's retention: it is not ingested again."""

    def __init__(self, dataset: str, partition: str, at: str) -> None:
        self.dataset, self.partition, self.at = dataset, partition, at
        super().__init__(
            f"partition {partition!r} of {dataset} was purged by its retention on {at}: it is "
            "not ingested again; raise raw_retention_days and remove it from "
            f"{EXPIRED_FILE} to keep such partitions"
        )


@dataclass
class RetentionReport:
    """What enforcing the retention of one dataset removed (or would remove): counts only."""

    dataset: str
    dry_run: bool = False
    partitions: list[str] = field(default_factory=list)
    """Partition keys purged (keys as the Dagster UI shows them)."""
    records: int = 0
    quarantined: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    """Zone -> rows removed."""
    files_removed: int = 0
    """Data files of the purged partitions deleted (every Delta version of them)."""
    objects_deleted: int = 0
    files_vacuumed: int = 0
    """Files of Delta versions older than ``retention_hours`` removed (all partitions)."""
    new_version: str | None = None
    expired_versions: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    """Models and datasets registered downstream of the expired versions (``impact``)."""


# -- ages ------------------------------------------------------------------------------------


def window_end(spec: DatasetSpec, partition: str) -> datetime:
    """When the time window of ``partition`` closes (UTC)."""
    start = datetime.strptime(partition, KEY_FORMATS[spec.partitioning]).replace(tzinfo=UTC)
    if spec.partitioning == "hourly":
        return start + timedelta(hours=1)
    if spec.partitioning == "daily":
        return start + timedelta(days=1)
    month = start.month % 12 + 1
    return start.replace(year=start.year + (start.month == 12), month=month)


def _ingested_at(vault: Vault, spec: DatasetSpec, counts: dict[str, Any], version: int) -> datetime:
    if INGESTED_AT in counts:
        return datetime.fromisoformat(str(counts[INGESTED_AT]))
    # States written before ``ingested_at`` existed: the manifest commit of that version.
    table = deltalake.DeltaTable(
        vault.table_url(spec.name, "raw_manifest"),
        storage_options=vault.settings.storage_options or None,
    )
    for entry in table.history():
        if int(entry.get("version", -1)) == version and "timestamp" in entry:
            return datetime.fromtimestamp(int(entry["timestamp"]) / 1000, UTC)
    return datetime.now(UTC)  # unknown: counted as new rather than purged by a guess


def expired_partitions(vault: Vault, spec: DatasetSpec, now: datetime) -> list[str]:
    """The ingested partitions of ``spec`` older than its ``raw_retention_days`` at ``now``."""
    if spec.raw_retention_days is None:
        return []
    limit = now - timedelta(days=spec.raw_retention_days)
    store = _states(vault, spec.name)
    old = []
    for state in store.all("raw"):
        if spec.partitioning in KEY_FORMATS:
            age_from = window_end(spec, state.partition)
        else:
            age_from = _ingested_at(vault, spec, state.counts, state.delta_version)
        if age_from <= limit:
            old.append(state.partition)
    return sorted(old)


# -- the expired-partitions record ----------------------------------------------------------


def _fs(vault: Vault, dataset: str) -> tuple[Any, str]:
    fs, path = fsspec.core.url_to_fs(
        vault.dataset_url(dataset, EXPIRED_FILE), **fsspec_options(vault.settings.storage_options)
    )
    return fs, path


def expired(vault: Vault, dataset: str) -> dict[str, str]:
    """Partition key -> when it was purged, for every partition retention purged."""
    fs, path = _fs(vault, dataset)
    if not fs.exists(path):
        return {}
    found: dict[str, str] = json.loads(fs.cat_file(path))
    return found


def check_not_expired(vault: Vault, dataset: str, partition: str) -> None:
    """Raise :class:`PartitionExpiredError` if retention purged ``partition``."""
    at = expired(vault, dataset).get(partition)
    if at is not None:
        raise PartitionExpiredError(dataset, partition, at)


def _record_expired(vault: Vault, dataset: str, partitions: list[str], at: str) -> None:
    found = expired(vault, dataset)
    found.update({p: found.get(p, at) for p in partitions})
    blob = json.dumps(found, indent=1, sort_keys=True).encode()
    replace_at(vault.dataset_url(dataset, EXPIRED_FILE), blob, vault.settings.storage_options)


# -- the purge -------------------------------------------------------------------------------


def _states(vault: Vault, dataset: str) -> PartitionStateStore:
    return PartitionStateStore(
        vault.dataset_url(dataset, "_state"), vault.settings.storage_options or None
    )


def _quoted(partition: str) -> str:
    return "'" + partition.replace("'", "''") + "'"


def _count(url: str, partition: str, options: dict[str, str] | None) -> int:
    only = ds.field(ptables.PARTITION) == partition
    try:
        dataset = open_dataset(url, storage_options=options, partition_filter=only)
    except TableNotFoundError:
        return 0
    return int(dataset.count_rows(filter=only))


def enforce(
    vault: Vault,
    registry: Registry,
    spec: DatasetSpec,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Purge the partitions of ``spec`` older than its ``raw_retention_days``, vacuum the Delta
    versions older than its ``retention_hours``; what was (or would be) removed."""
    from vault_core.stages.registered import vacuum

    now = now or datetime.now(UTC)
    report = RetentionReport(dataset=spec.name, dry_run=dry_run)
    doomed = expired_partitions(vault, spec, now)
    report.partitions = doomed
    options = vault.settings.storage_options or None
    before = {z: table_version(vault.dataset_url(spec.name, z), options) for z in ZONES}
    for zone in ZONES:
        url = vault.dataset_url(spec.name, zone)
        report.rows[zone] = sum(_count(url, p, options) for p in doomed)
    report.records = report.rows["raw_manifest"]
    report.quarantined = report.rows["quarantine"]
    if dry_run or not doomed:
        if not dry_run:
            report.files_vacuumed = vacuum(vault, spec)
        return report
    at = now.isoformat()
    # First, so that a run starting now refuses these partitions instead of rebuilding them.
    _record_expired(vault, spec.name, doomed, at)
    predicate = " OR ".join(f"{ptables.PARTITION} = {_quoted(p)}" for p in doomed)
    addresses: set[str] = set()
    for zone in ZONES:
        url = vault.dataset_url(spec.name, zone)
        if before[zone] is None:
            continue
        if report.rows[zone]:
            deltalake.DeltaTable(url, storage_options=options).delete(predicate)
        files, named = purge_old_files(vault, spec.name, zone, set(doomed))
        report.files_removed += files
        addresses |= named
    gone = addresses - live_addresses(vault, spec.name, addresses)
    report.objects_deleted = vault.store.delete_many(sorted(gone))
    store = _states(vault, spec.name)
    checked = CheckCache(f"{store.root}/checks", vault.settings.storage_options or None)
    for partition in doomed:
        for stage in STAGES:
            store.remove(stage, partition)
        checked.forget(partition)
    reason = f"retention: partitions older than {spec.raw_retention_days} days purged"
    rid = "retention-" + now.strftime("%Y%m%dT%H%M%S")
    if rid not in {e["erasure_id"] for e in erased_before(vault, spec.name)}:
        log_erasure(
            vault, spec.name,
            {"erasure_id": rid, "reason": reason, "at": at,
             "before": {z: v for z, v in before.items() if v is not None}},
        )  # fmt: skip
    report.new_version, report.expired_versions, report.models = register_after(
        vault, registry, spec.name, set(doomed), status=Status.EXPIRED, status_reason=reason
    )
    report.files_vacuumed = vacuum(vault, spec)
    logger.info(
        "%s: retention purged %d partitions (%d records)",
        spec.name, len(doomed), report.records,
    )  # fmt: skip
    return report
