"""The registry's Delta index: a cached snapshot and idempotent keyed merges with conflict retry."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import deltalake
import pyarrow as pa
from deltalake.exceptions import CommitFailedError, DeltaError

from vault_core.registry.exceptions import IndexConflictError
from vault_core.registry.records import RECORD_SCHEMA, AssetVersion, table_to_records
from vault_core.storage_options import StorageOptions, delta_options
from vault_core.tables import read_table

logger = logging.getLogger(__name__)
ALIAS_KIND = "alias"
ATTEMPTS = 8


@dataclass
class Snapshot:
    """The index at one Delta version, parsed."""

    delta_version: int = -1
    records: dict[str, AssetVersion] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    """Asset name -> alias -> version."""


def alias_rows(name: str, alias: str, version: str | None) -> pa.Table:
    """Index rows of one alias (``version`` None removes it on merge)."""
    return pa.Table.from_pylist(
        [
            {
                "key": f"{name}#{alias}",
                "name": name,
                "kind": ALIAS_KIND,
                "version": version or "",
                "major": 0,
                "minor": 0,
                "patch": 0,
                "data_version": "",
                "status": "active" if version else "removed",
                "created": None,
                "body": "",
            }
        ],
        schema=RECORD_SCHEMA,
    )


class Index:
    """Reads are served from a snapshot refreshed only when the Delta log moved on."""

    def __init__(self, url: str, storage_options: StorageOptions | None) -> None:
        self.url = url
        self.options = storage_options
        self._delta_opts = delta_options(storage_options, url)
        self._table: deltalake.DeltaTable | None = None
        self._snapshot = Snapshot()

    def _delta(self) -> deltalake.DeltaTable | None:
        if self._table is None:
            if not deltalake.DeltaTable.is_deltatable(self.url, storage_options=self._delta_opts):
                return None
            self._table = deltalake.DeltaTable(self.url, storage_options=self._delta_opts)
        else:
            self._table.update_incremental()
        return self._table

    def snapshot(self) -> Snapshot:
        """The current index (re-read only after a new commit)."""
        table = self._delta()
        if table is None:
            return Snapshot()
        version = table.version()
        if version != self._snapshot.delta_version:
            self._snapshot = self._parse(
                read_table(self.url, storage_options=self.options), version
            )
        return self._snapshot

    def updates_since(self, version: int) -> tuple[int, bool]:
        """(current Delta version, whether a commit after ``version`` rewrote existing rows),
        from the commit log alone: callers skip a full read when only inserts happened."""
        table = self._delta()
        if table is None:
            return -1, False
        current = table.version()
        if current <= version:
            return current, False
        if version < 0:
            return current, True
        for commit in table.history(current - version):
            metrics: dict[str, Any] = commit.get("operationMetrics") or {}
            if int(commit.get("version", current)) > version and (
                commit.get("operation") != "MERGE" or int(metrics.get("num_target_rows_updated", 0))
            ):
                return current, True
        return current, False

    @staticmethod
    def _parse(table: pa.Table, version: int) -> Snapshot:
        kinds = table.column("kind").to_pylist()
        is_alias = pa.array([kind == ALIAS_KIND for kind in kinds], type=pa.bool_())
        aliases: dict[str, dict[str, str]] = {}
        for row in table.filter(is_alias).select(["name", "key", "version"]).to_pylist():
            if row["version"]:
                aliases.setdefault(row["name"], {})[row["key"].split("#", 1)[1]] = row["version"]
        records = table_to_records(table.filter(pa.compute.invert(is_alias)))
        return Snapshot(version, {r.key: r for r in records}, aliases)

    def merge(self, rows: pa.Table, *, update: bool) -> int:
        """Insert rows whose key is new (and, with ``update``, overwrite existing ones).

        Keys make this idempotent: racing writers of the same rows commit them once. A conflict
        (another writer committed first) is retried on the new snapshot.
        """
        for attempt in range(ATTEMPTS):
            try:
                return self._merge_once(rows, update=update)
            except (CommitFailedError, FileExistsError) as exc:
                logger.debug("registry index conflict (attempt %d): %s", attempt + 1, exc)
                self._table = None
                time.sleep(0.05 * (attempt + 1))
        raise IndexConflictError(self.url, ATTEMPTS)

    def delete(self, keys: list[str]) -> int:
        """Remove the rows of ``keys`` (older Delta versions keep them); how many were removed."""
        table = self._delta()
        if table is None or not keys:
            return 0
        quoted = ", ".join("'" + key.replace("'", "''") + "'" for key in keys)
        metrics: dict[str, Any] = table.delete(f"key IN ({quoted})")
        return int(metrics.get("num_deleted_rows", 0))

    def _create(self) -> None:
        """Create the table empty: racing creators then only ever race on merges, which Delta
        detects as conflicts (two concurrent first commits are not reliably detected)."""
        try:
            deltalake.write_deltalake(
                self.url,
                RECORD_SCHEMA.empty_table(),
                mode="error",
                storage_options=self._delta_opts,
            )
        except (DeltaError, FileExistsError) as exc:
            logger.debug("registry index created by someone else: %s", exc)

    def _merge_once(self, rows: pa.Table, *, update: bool) -> int:
        table = self._delta()
        if table is None:
            self._create()
            table = self._delta()
            assert table is not None
        merger = table.merge(rows, predicate="t.key = s.key", source_alias="s", target_alias="t")
        if update:
            merger = merger.when_matched_update_all()
        metrics: dict[str, Any] = merger.when_not_matched_insert_all().execute()
        return int(metrics.get("num_target_rows_inserted", 0)) + int(
            metrics.get("num_target_rows_updated", 0)
        )
