"""Project the Dagster instance into the registry's Delta index, incrementally.

The orchestrator is the source of truth: every ``<ds>/registered`` materialization carries its
whole registry record in metadata (``vault/registry_record``). A sync reads the materializations
recorded after a persisted cursor (per asset key, by event-log storage id) and merges their records
into the index by key (``name@version``), so replays and racing syncs never duplicate a record.
The cursor is written after the records: a crash in between only replays what is already there.

Asset check evaluations are read the same way, after their own cursor (one event-log storage id
for every check): each evaluation updates the check results of the versions built from the
materialization it checked, and a failed ERROR check makes them ``non_compliant``. Status changes
(made here, through the registry API or the CLI) are reported back to the instance as an
``AssetObservation`` of ``<ds>/registered``, so the Dagster UI shows each version's status; the
CLI reports alias changes the same way. Those observations are replayed, in storage order, into
an index that lacks them: an index rebuilt from the instance equals the live one.

A version counts once the instance holds the ``<ds>/registered`` materialization carrying it.
The asset writes its record into the index during its step, so a run killed in that step leaves
a record the instance never confirmed: once such a run has ended FAILURE or CANCELED (runs whose
process died are failed first, see :func:`vault_pipelines.instance.fail_dead_runs`), the sync
removes the records of that run that no materialization of the run carries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import deltalake
import pyarrow as pa
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
)

from vault_core.exceptions import VaultError
from vault_core.registry import (
    AssetKind,
    AssetVersion,
    CheckEvaluation,
    Registry,
    StatusChange,
)
from vault_core.storage_options import StorageOptions, delta_options
from vault_core.tables import read_table
from vault_pipelines.factory import RECORD_METADATA_KEY, registration_event
from vault_pipelines.instance import PAGE, fail_dead_runs, settled_check_executions

logger = logging.getLogger(__name__)
CURSOR_SCHEMA = pa.schema([("asset_key", pa.string()), ("storage_id", pa.int64())])
CHECK_CURSOR_PREFIX = "#check:"
"""Cursor entries of asset checks: ``#check:<asset>:<check>`` -> last execution id read
(``#`` cannot appear in an asset key, so they never collide with materialization entries)."""
STATUS_INDEX = "#status_index_version"
"""Cursor entry: registry index version when status changes were last looked for."""
STATUS_CURSOR = "#status_reported"
"""Cursor entry: newest status change (microseconds since the epoch) reported to the instance."""
OBSERVATION_CURSOR_PREFIX = "#observed:"
"""Cursor entries of status and alias observations: ``#observed:<asset>`` -> last storage id."""
ENDED_RUNS_CURSOR = "#ended_runs"
"""Cursor entry: newest update (microseconds) of a FAILURE/CANCELED run looked at."""
_ENDED_BADLY = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def is_registration(key: dg.AssetKey) -> bool:
    """Default selection: the ``<ds>/registered`` assets of the dataset factory."""
    return key.path[-1] == "registered"


def cursor_url(registry: Registry) -> str:
    """Where the cursor of ``registry`` lives: a small Delta table beside its index."""
    return registry.url.rstrip("/") + "_sync_cursor"


@dataclass(frozen=True)
class SyncResult:
    """What one sync did."""

    materializations: int
    """Materializations read from the instance (those after the cursor)."""
    inserted: int
    """Records new to the index."""
    cursor: dict[str, int]
    seconds: float
    check_evaluations: int = 0
    """Asset check evaluations read from the instance (those after the checks cursor)."""
    non_compliant: tuple[str, ...] = ()
    """Versions (``name@version``) this sync made non-compliant."""
    statuses_reported: int = 0
    """Status changes reported to the instance as observations."""


def registered_key(record: AssetVersion) -> dg.AssetKey | None:
    """The ``<ds>/registered`` asset of a dataset version (None for models and others)."""
    return dg.AssetKey([record.name, "registered"]) if record.kind is AssetKind.DATASET else None


def report_status(instance: dg.DagsterInstance, record: AssetVersion) -> bool:
    """Report the status of ``record`` as an observation of its ``<ds>/registered`` asset.

    The metadata holds the version, status, reason and time of change (no data values).
    Returns False for versions without a Dagster asset (e.g. MLflow models).
    """
    key = registered_key(record)
    if key is None:
        return False
    reason = record.status_reason
    instance.report_runless_asset_event(
        dg.AssetObservation(
            asset_key=key,
            description=f"{record.key} is {record.status}" + (f": {reason}" if reason else ""),
            metadata={
                "version": record.version,
                "status": str(record.status),
                "reason": reason,
                "status_changed": record.status_changed.isoformat(),
                "registry_key": record.key,
            },
            tags={"vault/status": str(record.status)},
        )
    )
    return True


def report_registration(
    instance: dg.DagsterInstance, record: AssetVersion, removed: dict[str, Any]
) -> bool:
    """Record a version registered outside the ``<ds>/registered`` asset (an erasure, a
    retention purge) as a runless materialization of that asset: the UI shows the current
    version and data version, and a rebuilt index has it. ``removed``: counts only. Returns
    False for versions without a Dagster asset."""
    if registered_key(record) is None:
        return False
    instance.report_runless_asset_event(
        registration_event(record, {"removed": dg.MetadataValue.json(removed)})
    )
    return True


def report_alias(instance: dg.DagsterInstance, record: AssetVersion, alias: str, on: bool) -> bool:
    """Report that ``alias`` now points at ``record`` (``on``) or was removed, as an observation
    of its ``<ds>/registered`` asset (replayed when the index is rebuilt). Returns False for
    versions without a Dagster asset (e.g. MLflow models)."""
    key = registered_key(record)
    if key is None:
        return False
    version = record.version if on else ""
    instance.report_runless_asset_event(
        dg.AssetObservation(
            asset_key=key,
            description=f"alias {alias} -> {version}" if on else f"alias {alias} removed",
            metadata={"alias": alias, "version": version},
            tags={"vault/alias": alias},
        )
    )
    return True


def _micros(record: AssetVersion) -> int:
    return int(record.status_changed.timestamp() * 1_000_000)


class RegistrySync:
    """Incremental sync of one Dagster instance into one registry."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        registry: Registry,
        *,
        select: Callable[[dg.AssetKey], bool] = is_registration,
        storage_options: StorageOptions | None = None,
        check_keys: Iterable[dg.AssetCheckKey] = (),
    ) -> None:
        self.instance = instance
        self.extra_check_keys = frozenset(check_keys)
        self._pending: dict[str, int] = {}
        self.registry = registry
        self.select = select
        self.cursor_url = cursor_url(registry)
        self._options = storage_options

    def load_cursor(self) -> dict[str, int]:
        """Asset key -> last storage id synced (empty before the first sync)."""
        if not deltalake.DeltaTable.is_deltatable(
            self.cursor_url, storage_options=delta_options(self._options, self.cursor_url)
        ):
            return {}
        rows = read_table(self.cursor_url, storage_options=self._options).to_pylist()
        return {row["asset_key"]: int(row["storage_id"]) for row in rows}

    def _save_cursor(self, cursor: dict[str, int], *, replace: bool = False) -> None:
        # Never move a key backwards if a racing sync got further meanwhile (unless the index
        # was rebuilt: its Delta versions start again from 0).
        merged = {} if replace else self.load_cursor()
        for key, storage_id in cursor.items():
            merged[key] = max(storage_id, merged.get(key, -1))
        table = pa.Table.from_pylist(
            [{"asset_key": k, "storage_id": v} for k, v in sorted(merged.items())],
            schema=CURSOR_SCHEMA,
        )
        deltalake.write_deltalake(
            self.cursor_url,
            table,
            mode="overwrite",
            storage_options=delta_options(self._options, self.cursor_url),
        )

    def _read(self, key: dg.AssetKey, after: int | None) -> tuple[list[AssetVersion], int, int]:
        """Records of ``key`` after storage id ``after``: (records, materializations, last id)."""
        records: list[AssetVersion] = []
        seen = 0
        last = after if after is not None else -1
        page_cursor: str | None = None
        while True:
            result = self.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=after),
                limit=PAGE,
                cursor=page_cursor,
                ascending=True,
            )
            for event_record in result.records:
                seen += 1
                last = max(last, event_record.storage_id)
                materialization = event_record.asset_materialization
                value = (
                    materialization.metadata.get(RECORD_METADATA_KEY) if materialization else None
                )
                if value is None:
                    continue
                records.append(AssetVersion.model_validate(value.value))
            if not result.has_more:
                return records, seen, last
            page_cursor = result.cursor

    def _replay_observations(self, cursor: dict[str, int]) -> dict[str, int]:
        """Apply the status and alias observations after their cursors that the index lacks
        (all of them after a rebuild; none on a live index); the advanced cursor entries."""
        changes: list[tuple[int, str, StatusChange]] = []
        aliases: dict[tuple[str, str], tuple[int, str]] = {}
        advanced: dict[str, int] = {}
        for key in self.instance.get_asset_keys():
            if not self.select(key):
                continue
            name = f"{OBSERVATION_CURSOR_PREFIX}{key.to_user_string()}"
            page_cursor: str | None = None
            while True:
                result = self.instance.fetch_observations(
                    dg.AssetRecordsFilter(asset_key=key, after_storage_id=cursor.get(name)),
                    limit=PAGE,
                    cursor=page_cursor,
                    ascending=True,
                )
                for record in result.records:
                    advanced[name] = record.storage_id
                    observation = record.asset_observation
                    meta = {
                        k: v.value for k, v in (observation.metadata if observation else {}).items()
                    }
                    if "alias" in meta:
                        dataset = key.path[0] if len(key.path) > 1 else key.to_user_string()
                        aliases[(dataset, str(meta["alias"]))] = (
                            record.storage_id,
                            str(meta["version"]),
                        )
                    elif "registry_key" in meta and "status" in meta:
                        change = StatusChange(
                            status=str(meta["status"]),  # type: ignore[arg-type]
                            at=datetime.fromisoformat(str(meta["status_changed"])),
                            reason=str(meta.get("reason") or ""),
                        )
                        changes.append((record.storage_id, str(meta["registry_key"]), change))
                if not result.has_more:
                    break
                page_cursor = result.cursor
        replayed = self.registry.replay_statuses(
            [(k, c) for _, k, c in sorted(changes, key=lambda t: t[0])]
        )
        if changes:
            # Replayed changes were reported when they were made: not again.
            newest = max(int(c.at.timestamp() * 1_000_000) for _, _, c in changes)
            cursor[STATUS_CURSOR] = max(cursor.get(STATUS_CURSOR, -1), newest)
            advanced[STATUS_CURSOR] = cursor[STATUS_CURSOR]
        for (dataset, alias), (_, version) in sorted(aliases.items(), key=lambda i: i[1][0]):
            if self.registry.aliases(dataset).get(alias) == (version or None):
                continue
            if version:
                try:
                    self.registry.set_alias(dataset, alias, version)
                except VaultError as exc:  # the version is not (yet) in the index
                    logger.warning("alias %s of %s not replayed: %s", alias, dataset, exc)
            else:
                self.registry.remove_alias(dataset, alias)
        if replayed:
            logger.info("registry sync: replayed %d status changes", len(replayed))
        return advanced

    def _drop_unconfirmed(self, cursor: dict[str, int]) -> dict[str, int]:
        """Remove records written by runs that ended FAILURE/CANCELED which none of their
        ``registered`` materializations carries; the advanced cursor entry."""
        after = cursor.get(ENDED_RUNS_CURSOR)
        ended = self.instance.get_run_records(
            dg.RunsFilter(
                statuses=_ENDED_BADLY,
                updated_after=datetime.fromtimestamp(after / 1e6, UTC) if after else None,
            )
        )
        if not ended:
            return {}
        newest = max(int(r.update_timestamp.timestamp() * 1_000_000) for r in ended)
        run_ids = {r.dagster_run.run_id for r in ended}
        suspects = [r for r in self.registry.list() if r.provenance.run_id in run_ids]
        confirmed: set[str] = set()
        for run_id in {r.provenance.run_id for r in suspects}:
            for entry in self.instance.all_logs(
                str(run_id), of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            ):
                materialization = entry.asset_materialization
                value = (
                    materialization.metadata.get(RECORD_METADATA_KEY) if materialization else None
                )
                if value is not None:
                    body: Any = value.value
                    confirmed.add(f"{body['name']}@{body['version']}")
        dropped = [r.key for r in suspects if r.key not in confirmed]
        if dropped:
            logger.warning(
                "registry sync: removed %s: written by runs that did not finish", ", ".join(dropped)
            )
            self.registry.remove(dropped)
        cursor[ENDED_RUNS_CURSOR] = newest
        return {ENDED_RUNS_CURSOR: newest}

    def check_keys(
        self, cursor: dict[str, int], records: Iterable[AssetVersion] = ()
    ) -> set[dg.AssetCheckKey]:
        """Checks to follow (the instance cannot list check keys by itself): those given, those
        already followed (in the cursor), and every check a newly synced version recorded, on
        every asset it was built from."""
        keys = set(self.extra_check_keys)
        for entry in cursor:
            if entry.startswith(CHECK_CURSOR_PREFIX):
                asset, check = entry.removeprefix(CHECK_CURSOR_PREFIX).rsplit(":", 1)
                keys.add(dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), check))
        for record in records:
            for ref in record.provenance.upstream:
                asset_key = dg.AssetKey.from_user_string(ref.asset)
                keys |= {dg.AssetCheckKey(asset_key, name) for name in record.checks}
        return keys

    def _read_checks(
        self, cursor: dict[str, int], keys: set[dg.AssetCheckKey]
    ) -> tuple[list[CheckEvaluation], int, dict[str, int]]:
        """Evaluations of every followed check after its cursor (execution ids):
        (evaluations, executions read, advanced cursor entries)."""
        evaluations: list[CheckEvaluation] = []
        seen = 0
        advanced: dict[str, int] = {}
        latest = self.instance.event_log_storage.get_latest_asset_check_execution_by_key(list(keys))
        for key in sorted(keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
            name = f"{CHECK_CURSOR_PREFIX}{key.asset_key.to_user_string()}:{key.name}"
            after = cursor.get(name, 0)
            if name not in cursor:
                advanced[name] = 0  # followed from now on, even before its first execution
            newest = latest.get(key)
            if newest is None or newest.id <= after:
                continue  # nothing new: one batched query answered for every check
            count, done = settled_check_executions(self.instance, key, after)
            seen += count
            for row in done:
                evaluation = self._evaluation(row)
                if evaluation is not None:
                    evaluations.append(evaluation)
            if done:
                advanced[name] = max(row.id for row in done)
        return evaluations, seen, advanced

    def _evaluation(self, row: AssetCheckExecutionRecord) -> CheckEvaluation | None:
        event = row.event.dagster_event if row.event else None
        data = event.event_specific_data if event else None
        if row.event is None or not isinstance(data, dg.AssetCheckEvaluation):
            return None
        target = data.target_materialization_data
        if target is not None:
            target_id: int | None = target.storage_id
        else:
            # Reported without a target (e.g. runless): it checked the materialization that was
            # the latest when it was recorded.
            latest = self.instance.fetch_materializations(
                dg.AssetRecordsFilter(
                    asset_key=data.asset_key, before_timestamp=row.event.timestamp
                ),
                limit=1,
            ).records
            target_id = latest[0].storage_id if latest else None
        if target_id is None:
            return None
        return CheckEvaluation(
            asset=data.asset_key.to_user_string(),
            check=data.check_name,
            passed=data.passed,
            target_storage_id=target_id,
            storage_id=row.id,
            severity=data.severity.value,
            run_id=row.run_id or None,
        )

    def report_statuses(self, cursor: dict[str, int] | None = None) -> int:
        """Report every status change newer than the last one reported; how many were reported.

        Changes made through the registry API show up in the UI at the next sync; the CLI
        reports its own at once (the shared cursor keeps either from reporting twice). The index
        is only read when its commit log shows updated versions since the last report.
        """
        save = cursor is None
        cursor = self.load_cursor() if cursor is None else cursor
        index_version, updated = self.registry.updates_since(cursor.get(STATUS_INDEX, -1))
        entries = {STATUS_INDEX: index_version}
        changed: list[AssetVersion] = []
        if updated:
            after = cursor.get(STATUS_CURSOR, -1)
            changed = sorted(
                (r for r in self.registry.list() if r.status_history and _micros(r) > after),
                key=_micros,
            )
        reported = sum(report_status(self.instance, record) for record in changed)
        if changed:
            entries[STATUS_CURSOR] = _micros(changed[-1])
        entries = {k: v for k, v in entries.items() if cursor.get(k) != v}
        cursor.update(entries)
        if save and entries:
            self._save_cursor(entries)
        self._pending = entries
        return reported

    def run(self) -> SyncResult:
        """Read what is new since the cursor, merge it into the index, advance the cursor."""
        started = time.perf_counter()
        fail_dead_runs(self.instance)
        cursor = self.load_cursor()
        reset = bool(cursor) and not deltalake.DeltaTable.is_deltatable(
            self.registry.url, storage_options=delta_options(self._options, self.registry.url)
        )
        if reset:
            logger.warning(
                "registry index %s is gone: rebuilding it from the instance", self.registry.url
            )
            cursor = {}
        records: list[AssetVersion] = []
        seen = 0
        advanced: dict[str, int] = {}
        for key in self.instance.get_asset_keys():
            if not self.select(key):
                continue
            name = key.to_user_string()
            found, count, last = self._read(key, cursor.get(name))
            records += found
            seen += count
            if count:
                advanced[name] = last
        inserted = self.registry.put(records)
        # Statuses and aliases after records (they name versions), before checks (a rebuilt
        # version already carries the non_compliant status a check gave it).
        advanced.update(self._replay_observations(cursor))
        advanced.update(self._drop_unconfirmed(cursor))
        # Checks after records: an evaluation can only apply to a version already indexed.
        keys = self.check_keys(cursor, records)
        evaluations, checks_seen, checks_advanced = self._read_checks(cursor, keys)
        changed: list[AssetVersion] = []
        was_non_compliant: set[str] = set()
        if evaluations:
            was_non_compliant = {r.key for r in self.registry.list(status="non_compliant")}
            changed = self.registry.apply_checks(evaluations)
        advanced.update(checks_advanced)
        cursor.update(advanced)
        reported = self.report_statuses(cursor)
        advanced.update(self._pending)
        if reset:
            self._save_cursor(cursor, replace=True)
        elif advanced:
            self._save_cursor(advanced)
        elapsed = time.perf_counter() - started
        non_compliant = tuple(
            r.key
            for r in changed
            if str(r.status) == "non_compliant" and r.key not in was_non_compliant
        )
        logger.info(
            "registry sync: %d materializations, %d new records, %d check evaluations, "
            "%d made non-compliant",
            seen,
            inserted,
            checks_seen,
            len(non_compliant),
        )
        return SyncResult(seen, inserted, cursor, elapsed, checks_seen, non_compliant, reported)


def sync(instance: dg.DagsterInstance, registry: Registry) -> SyncResult:
    """One incremental sync of ``instance`` into ``registry``."""
    return RegistrySync(instance, registry).run()
