"""Project the Dagster instance into the registry's Delta index, incrementally.

The orchestrator is the source of truth: every ``<ds>/registered`` materialization carries its
whole registry record in metadata (``vault/registry_record``). A sync reads the materializations
recorded after a persisted cursor (per asset key, by event-log storage id) and merges their records
into the index by key (``name@version``), so replays and racing syncs never duplicate a record.
The cursor is written after the records: a crash in between only replays what is already there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import deltalake
import pyarrow as pa

from vault_core.registry import AssetVersion, Registry
from vault_core.tables import read_table
from vault_pipelines.factory import RECORD_METADATA_KEY

logger = logging.getLogger(__name__)
CURSOR_SCHEMA = pa.schema([("asset_key", pa.string()), ("storage_id", pa.int64())])
PAGE = 1000


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


class RegistrySync:
    """Incremental sync of one Dagster instance into one registry."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        registry: Registry,
        *,
        select: Callable[[dg.AssetKey], bool] = is_registration,
        storage_options: dict[str, str] | None = None,
    ) -> None:
        self.instance = instance
        self.registry = registry
        self.select = select
        self.cursor_url = cursor_url(registry)
        self._options = storage_options

    def load_cursor(self) -> dict[str, int]:
        """Asset key -> last storage id synced (empty before the first sync)."""
        if not deltalake.DeltaTable.is_deltatable(self.cursor_url, storage_options=self._options):
            return {}
        rows = read_table(self.cursor_url, storage_options=self._options).to_pylist()
        return {row["asset_key"]: int(row["storage_id"]) for row in rows}

    def _save_cursor(self, cursor: dict[str, int]) -> None:
        # Never move a key backwards if a racing sync got further meanwhile.
        merged = self.load_cursor()
        for key, storage_id in cursor.items():
            merged[key] = max(storage_id, merged.get(key, -1))
        table = pa.Table.from_pylist(
            [{"asset_key": k, "storage_id": v} for k, v in sorted(merged.items())],
            schema=CURSOR_SCHEMA,
        )
        deltalake.write_deltalake(
            self.cursor_url, table, mode="overwrite", storage_options=self._options
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

    def run(self) -> SyncResult:
        """Read what is new since the cursor, merge it into the index, advance the cursor."""
        started = time.perf_counter()
        cursor = self.load_cursor()
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
        if advanced:
            self._save_cursor(advanced)
        cursor.update(advanced)
        elapsed = time.perf_counter() - started
        logger.info("registry sync: %d materializations, %d new records", seen, inserted)
        return SyncResult(seen, inserted, cursor, elapsed)


def sync(instance: dg.DagsterInstance, registry: Registry) -> SyncResult:
    """One incremental sync of ``instance`` into ``registry``."""
    return RegistrySync(instance, registry).run()
