"""Derive vault events from the Dagster instance, incrementally, into the outbox.

Read after per-source cursors kept in the outbox itself (appended in the same transaction as the
events, so a crash repeats nothing and loses nothing): the materializations of each dataset
asset (``<ds>/raw`` -> records added; ``<ds>/registered`` -> version registered, dataset created
for the first one, PII detected by type), the status observations of ``<ds>/registered``
(version status changed) and the executions of asset checks (check failed). Each event's id and
bytes come from its source record alone (its storage id, time and metadata), so deleting the
outbox and deriving again rebuilds it identically.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
)

from vault_core.events import (
    CheckFailed,
    DatasetCreated,
    Envelope,
    Outbox,
    PiiDetected,
    RecordsAdded,
    VersionRegistered,
    VersionStatusChanged,
)
from vault_core.registry import AssetVersion
from vault_pipelines.factory import NO_PII_LEFT, RECORD_METADATA_KEY, STAGES
from vault_pipelines.instance import PAGE, settled_check_executions

MATERIALIZATION = "mat:"
OBSERVATION = "obs:"
CHECK = "check:"


@dataclass(frozen=True)
class DeriveResult:
    """What one derivation pass read and added."""

    materializations: int
    observations: int
    check_executions: int
    added: int
    seconds: float


def dataset_of(key: dg.AssetKey) -> str | None:
    """The dataset of a vault asset key (``<ds>/<stage>``), None for other assets."""
    return key.path[0] if len(key.path) == 2 and key.path[1] in STAGES else None


def _value(event: dg.AssetMaterialization | dg.AssetObservation, name: str) -> Any:
    entry = event.metadata.get(name)
    return entry.value if entry is not None else None


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int) and v}


class EventLogDeriver:
    """Derive the events of one Dagster instance into one outbox.

    Args:
        instance: The Dagster instance.
        outbox: Where events (and the cursors) go.
        check_keys: Asset checks to follow besides ``no_pii_left`` of every ``<ds>/anonymized``
            (the instance cannot list check keys; a sensor passes its repository's).
    """

    def __init__(
        self,
        instance: dg.DagsterInstance,
        outbox: Outbox,
        *,
        check_keys: Iterable[dg.AssetCheckKey] = (),
    ) -> None:
        self.instance = instance
        self.outbox = outbox
        self.extra_check_keys = frozenset(check_keys)

    def run(self) -> DeriveResult:
        """One incremental pass."""
        started = time.perf_counter()
        cursor = self.outbox.cursor()
        materializations = observations = added = 0
        records = self.instance.get_asset_records()
        keys = sorted(
            (r.asset_entry for r in records if dataset_of(r.asset_entry.asset_key)),
            key=lambda entry: entry.asset_key.to_user_string(),
        )
        for entry in keys:
            name = entry.asset_key.to_user_string()
            last = entry.last_materialization_record
            if last is not None and last.storage_id > cursor.get(MATERIALIZATION + name, 0):
                n, a = self._materializations(entry.asset_key, cursor.get(MATERIALIZATION + name))
                materializations, added = materializations + n, added + a
            if entry.asset_key.path[-1] != "registered":
                continue  # status observations are reported on <ds>/registered only
            # Not every storage tracks the last observation (SQLite does not): then ask.
            last_obs = entry.last_observation_record
            if last_obs is None or last_obs.storage_id > cursor.get(OBSERVATION + name, 0):
                n, a = self._observations(entry.asset_key, cursor.get(OBSERVATION + name))
                observations, added = observations + n, added + a
        check_keys = set(self.extra_check_keys)
        check_keys |= {
            dg.AssetCheckKey(e.asset_key, NO_PII_LEFT)
            for e in keys
            if e.asset_key.path[-1] == "anonymized"
        }
        for entry_name in cursor:
            if entry_name.startswith(CHECK):
                asset, check = entry_name.removeprefix(CHECK).rsplit(":", 1)
                check_keys.add(dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), check))
        executions, checks_added = self._checks(check_keys, cursor)
        return DeriveResult(
            materializations,
            observations,
            executions,
            added + checks_added,
            time.perf_counter() - started,
        )

    # -- materializations ---------------------------------------------------------------------

    def _materializations(self, key: dg.AssetKey, after: int | None) -> tuple[int, int]:
        seen = added = 0
        page_cursor: str | None = None
        while True:
            result = self.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=after),
                limit=PAGE,
                cursor=page_cursor,
                ascending=True,
            )
            events: list[Envelope] = []
            for record in result.records:
                events += self._of_materialization(key, record)
            seen += len(result.records)
            if result.records:
                last = result.records[-1].storage_id
                added += self.outbox.append(events, {MATERIALIZATION + key.to_user_string(): last})
            if not result.has_more:
                return seen, added
            page_cursor = result.cursor

    def _of_materialization(self, key: dg.AssetKey, record: dg.EventLogRecord) -> list[Envelope]:
        event = record.asset_materialization
        dataset = dataset_of(key)
        if event is None or dataset is None:
            return []
        stage = key.path[1]
        fact = f"dagster:materialization:{record.storage_id}"
        when = record.timestamp
        if stage == "raw":
            if _value(event, "skipped_unchanged") or not _value(event, "records"):
                return []
            data = RecordsAdded(
                dataset=dataset,
                partition=event.partition,
                records=int(_value(event, "records")),
                rows_in=int(_value(event, "rows_in") or 0),
                quarantined=int(_value(event, "quarantined") or 0),
                run_id=record.run_id,
            )
            return [Envelope.of(data, fact=fact, time=when)]
        if stage != "registered" or not _value(event, "new_version"):
            return []
        value = _value(event, RECORD_METADATA_KEY)
        if not isinstance(value, dict):
            return []
        version = AssetVersion.model_validate(value)
        events = []
        if self._first_registration(key, record.storage_id):
            events.append(
                Envelope.of(
                    DatasetCreated(dataset=dataset, version=version.version),
                    fact=f"{fact}:dataset_created",
                    time=when,
                )
            )
        events.append(
            Envelope.of(
                VersionRegistered(
                    dataset=dataset,
                    version=version.version,
                    data_version=version.data_version,
                    row_count=version.row_count,
                    delta_version=version.delta_version,
                    status=str(version.status),
                    run_id=record.run_id,
                ),
                fact=fact,
                time=when,
            )
        )
        findings = _counts(version.pii_summary)
        if findings:
            events.append(
                Envelope.of(
                    PiiDetected(
                        dataset=dataset,
                        version=version.version,
                        findings_by_type=findings,
                        total=sum(findings.values()),
                    ),
                    fact=f"{fact}:pii",
                    time=when,
                )
            )
        return events

    def _first_registration(self, key: dg.AssetKey, storage_id: int) -> bool:
        earlier = self.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, before_storage_id=storage_id), limit=1
        )
        return not earlier.records

    # -- status observations ------------------------------------------------------------------

    def _observations(self, key: dg.AssetKey, after: int | None) -> tuple[int, int]:
        seen = added = 0
        page_cursor: str | None = None
        dataset = dataset_of(key)
        while True:
            result = self.instance.fetch_observations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=after),
                limit=PAGE,
                cursor=page_cursor,
                ascending=True,
            )
            events = []
            for record in result.records:
                observation = record.asset_observation
                if observation is None or dataset is None:
                    continue
                status = (observation.tags or {}).get("vault/status")
                if status is None:
                    continue  # alias changes and other observations
                data = VersionStatusChanged(
                    dataset=dataset,
                    version=str(_value(observation, "version")),
                    status=status,
                    reason=str(_value(observation, "reason") or ""),
                )
                events.append(
                    Envelope.of(
                        data,
                        fact=f"dagster:observation:{record.storage_id}",
                        time=record.timestamp,
                    )
                )
            seen += len(result.records)
            if result.records:
                last = result.records[-1].storage_id
                added += self.outbox.append(events, {OBSERVATION + key.to_user_string(): last})
            if not result.has_more:
                return seen, added
            page_cursor = result.cursor

    # -- asset checks -------------------------------------------------------------------------

    def _checks(self, keys: set[dg.AssetCheckKey], cursor: dict[str, int]) -> tuple[int, int]:
        if not keys:
            return 0, 0
        storage = self.instance.event_log_storage
        latest = storage.get_latest_asset_check_execution_by_key(list(keys))
        seen = added = 0
        for key in sorted(keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
            name = f"{CHECK}{key.asset_key.to_user_string()}:{key.name}"
            after = cursor.get(name, 0)
            newest = latest.get(key)
            if newest is None or newest.id <= after:
                continue
            count, done = settled_check_executions(self.instance, key, after)
            seen += count
            if not done:
                continue
            events = [e for row in done if (e := self._of_check(key, row)) is not None]
            added += self.outbox.append(events, {name: max(row.id for row in done)})
        return seen, added

    def _of_check(self, key: dg.AssetCheckKey, row: AssetCheckExecutionRecord) -> Envelope | None:
        event = row.event.dagster_event if row.event else None
        data = event.event_specific_data if event else None
        if row.event is None or not isinstance(data, dg.AssetCheckEvaluation) or data.passed:
            return None
        dataset = dataset_of(key.asset_key) or key.asset_key.path[0]
        counts = data.metadata.get("leftover_by_type")
        failed = CheckFailed(
            dataset=dataset,
            asset=key.asset_key.to_user_string(),
            check=key.name,
            severity=data.severity.value,
            run_id=row.run_id or None,
            counts_by_type=_counts(counts.value if counts is not None else None),
        )
        fact = f"dagster:check:{key.asset_key.to_user_string()}:{key.name}:{row.id}"
        return Envelope.of(failed, fact=fact, time=row.event.timestamp)
