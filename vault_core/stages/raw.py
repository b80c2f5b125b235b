"""The raw stage: ingest one partition's landing files in batches and seal each batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from vault_core import columns, tombstones
from vault_core import partition_tables as ptables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests
from vault_core.erasure import quarantine as erased_quarantine
from vault_core.erasure import retention
from vault_core.exceptions import TransientError
from vault_core.ingest import RECORD_ID, ingest_stream
from vault_core.partition_state import PartitionState, PartitionStateStore
from vault_core.partitions import UNPARTITIONED, partition_files
from vault_core.raw_zone import MANIFEST_SCHEMA, QUARANTINE_SCHEMA, seal_stream_batch
from vault_core.stages._common import (
    OBJECT_ADDRESS,
    PARTITION,
    _options,
    _safe_names,
    _schema_text,
    _tag,
    _with_partition,
    authorize,
    code_version,
    schema_summary,
    states,
)
from vault_core.vault import Vault


@dataclass(frozen=True)
class RawResult:
    """What ingesting and sealing one partition did (or found unchanged: ``skipped``)."""

    partition: str
    rows_in: int
    records: int
    quarantined: int
    physical_rows: int
    blank_lines: int
    reasons: dict[str, int]
    objects: int
    key_ids: list[str]
    sources: dict[str, str]
    """Source file URL -> content digest."""
    schema: dict[str, str]
    data_version: str
    manifest_url: str
    quarantine_url: str
    delta_version: int
    skipped: bool = False

    @classmethod
    def from_state(cls, state: PartitionState, *, skipped: bool) -> RawResult:
        """The result recorded in a partition state."""
        c = state.counts
        return cls(
            partition=state.partition,
            rows_in=c["rows_in"],
            records=state.rows,
            quarantined=c["quarantined"],
            physical_rows=c["physical_rows"],
            blank_lines=c["blank_lines"],
            reasons=c["reasons"],
            objects=c["objects"],
            key_ids=c["key_ids"],
            sources=c["sources"],
            schema=c["schema"],
            data_version=state.data_version,
            manifest_url=c["manifest_url"],
            quarantine_url=c["quarantine_url"],
            delta_version=state.delta_version,
            skipped=skipped,
        )


def ingest_raw(vault: Vault, spec: DatasetSpec, partition: str = UNPARTITIONED) -> RawResult:
    """Ingest one partition's landing files in batches, seal each batch as one object, write the
    partition's manifest and quarantine rows; skipped when the files and the code are unchanged
    (judged by each file's size and ETag or modification time, without reading it)."""
    authorize(vault, spec, "raw", partition)
    # A partition retention purged stays purged, whatever the landing files still hold.
    retention.check_not_expired(vault, spec.name, partition)
    files = partition_files(spec, partition, spec.storage_options or None)
    if not files and spec.partitioning == "none":
        from vault_core.ingest.exceptions import SourceNotFoundError

        raise SourceNotFoundError(spec.source)
    # The keys first, even when the work is skipped: a lost keyring fails every run, not only
    # those with new data (it must never go unnoticed until data changes).
    record_key = vault.record_key
    store = states(vault, spec)
    inputs = combine_digests(
        {
            "code": code_version(spec, "raw"),
            "batch_rows": str(spec.batch_rows),
            **{f.url: f"{f.size}:{f.fingerprint}" for f in files},
        }
    )
    previous = store.get("raw", partition)
    if previous is not None and previous.inputs_digest == inputs:
        return RawResult.from_state(previous, skipped=True)

    stream = (
        ingest_stream(
            [f.url for f in files],
            spec.format,
            record_key=record_key,
            required_columns=spec.required_columns,
            storage_options=spec.storage_options or None,
            batch_rows=spec.batch_rows,
        )
        if files
        else None
    )
    manifest_schema = _with_partition(MANIFEST_SCHEMA)
    quarantine_schema = _with_partition(QUARANTINE_SCHEMA)
    key_ids: set[str] = set()
    reasons: Counter[str] = Counter()
    quarantined: list[pa.Table] = []  # quarantine rows: reasons and places, the bytes sealed
    objects = 0
    buried = tombstones.load(
        vault.dataset_url(spec.name, tombstones.TOMBSTONES_ZONE), _options(vault)
    )
    # Erased quarantined lines are tombstoned by a keyed digest of their bytes.
    erased_lines = {t for t in buried if t.startswith(erased_quarantine.TOMBSTONE_PREFIX)}
    erased = pa.array(sorted(buried - erased_lines), pa.string())
    dropped = 0

    written: dict[str, list[str]] = {}  # sealed object -> its record ids, for the re-check

    def manifest_batches() -> Iterator[pa.RecordBatch]:
        yield from _sealed_batches()
        _recheck_tombstones(vault, spec.name, set(erased.to_pylist()) | erased_lines, written)

    def _sealed_batches() -> Iterator[pa.RecordBatch]:
        nonlocal objects, dropped
        for batch in stream or ():
            records, origins = batch.records, batch.origins
            if len(erased) and records.num_rows:
                # Rows erased before (right to erasure) never come back from the landing files.
                keep = pc.invert(pc.is_in(records[RECORD_ID], erased))
                dropped += records.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
                records = records.filter(keep)
                origins = origins.filter(pc.invert(pc.is_in(origins[RECORD_ID], erased)))
            rejects = batch.rejects
            if erased_lines and rejects:
                rejects = [
                    r for r in rejects
                    if erased_quarantine.tombstone_id(r.raw, record_key) not in erased_lines
                ]  # fmt: skip
                dropped += len(batch.rejects) - len(rejects)
            manifest, sealed = seal_stream_batch(vault.store, spec.name, records, origins, rejects)
            if rejects:
                quarantined.append(_tag(sealed, partition, quarantine_schema))
                reasons.update(str(reject.reason) for reject in rejects)
            if records.num_rows == 0:
                continue
            key_ids.update(manifest["key_id"].to_pylist())
            written[str(manifest["object_address"][0])] = manifest[RECORD_ID].to_pylist()
            objects += 1
            yield from _tag(manifest, partition, manifest_schema).to_batches()

    options = _options(vault)
    manifest_url = vault.table_url(spec.name, "raw_manifest")
    manifest_write = ptables.write_partition(
        manifest_url, manifest_schema, manifest_batches(), partition, storage_options=options
    )
    quarantine = pa.concat_tables([quarantine_schema.empty_table(), *quarantined])
    quarantine_url = vault.table_url(spec.name, "quarantine")
    quarantine_write = ptables.write_partition(
        quarantine_url, quarantine_schema, quarantine.to_batches(), partition,
        storage_options=options,
    )  # fmt: skip
    record_schema = stream.columns if stream is not None else pa.schema([])
    labels = _safe_names(vault, spec, record_schema.names)
    shown = columns.rename(record_schema.empty_table(), labels).schema
    state = PartitionState(
        stage="raw",
        partition=partition,
        inputs_digest=inputs,
        data_version=combine_digests(
            {"manifest": manifest_write.data_version, "quarantine": quarantine_write.data_version}
        ),
        delta_version=manifest_write.delta_version,
        rows=manifest_write.rows,
        counts={
            "rows_in": stream.rows_in if stream else 0,
            "quarantined": quarantine.num_rows,
            "physical_rows": stream.physical_rows if stream else 0,
            "blank_lines": stream.blank_lines if stream else 0,
            "reasons": dict(sorted(reasons.items())),
            "erased": dropped,
            "objects": objects,
            "key_ids": sorted(key_ids),
            "sources": {s.url: s.digest for s in stream.sources} if stream else {},
            "schema": schema_summary(shown),
            "record_schema": _schema_text(record_schema),
            "manifest_url": manifest_url,
            "quarantine_url": quarantine_url,
            "quarantine_delta_version": quarantine_write.delta_version,
            retention.INGESTED_AT: datetime.now(UTC).isoformat(),
        },
    )
    store.put(state)
    return RawResult.from_state(state, skipped=False)


class ErasedDuringIngestError(TransientError):
    """An erasure tombstoned records of a partition while it was being ingested: the write
    is abandoned (nothing committed) and the step retried, which drops them."""

    def __init__(self, dataset: str, records: int) -> None:
        self.dataset, self.records = dataset, records
        super().__init__(
            f"{records} records of {dataset} were erased while this partition was ingested: "
            "nothing was committed; run it again (retried automatically in a pipeline)"
        )


def _recheck_tombstones(
    vault: Vault, dataset: str, known: set[str], written: dict[str, list[str]]
) -> None:
    """Right before the manifest commits: were any of the records just sealed erased since
    the tombstones were read? Then abandon the write and delete the objects sealed here that
    hold them and that nothing live names (an erasure that ran meanwhile may have deleted the
    same content-addressed objects already, and this ingest put them back)."""
    late = (
        tombstones.load(vault.dataset_url(dataset, tombstones.TOMBSTONES_ZONE), _options(vault))
        - known
    )
    if not late:
        return
    holding = {address for address, ids in written.items() if late.intersection(ids)}
    if not holding:
        return
    from vault_core.erasure.erase import live_addresses

    vault.store.delete_many(sorted(holding - live_addresses(vault, dataset, holding)))
    raise ErasedDuringIngestError(
        dataset, sum(len(late.intersection(ids)) for ids in written.values())
    )


def forget_damaged(vault: Vault, addresses: set[str]) -> list[tuple[str, str]]:
    """Forget the raw state of every partition whose manifest or quarantine names one of
    ``addresses`` (objects verify found corrupt or missing), so that the next run re-ingests
    those partitions from the landing files and rewrites the objects: a rerun repairs what
    ``vault verify`` reported. Returns the (dataset, partition) pairs forgotten."""
    forgotten: list[tuple[str, str]] = []
    if not addresses:
        return forgotten
    wanted = pa.array(sorted(addresses), pa.string())
    for dataset in vault.datasets():
        for zone, column in (("raw_manifest", OBJECT_ADDRESS), ("quarantine", "raw_address")):
            try:
                rows = vault.read_table(dataset, zone)  # type: ignore[arg-type]
            except Exception:
                continue
            if PARTITION not in rows.column_names:
                continue
            hit = rows.filter(pc.is_in(rows[column], wanted))
            for partition in sorted(set(hit[PARTITION].to_pylist())):
                PartitionStateStore(
                    vault.dataset_url(dataset, "_state"),
                    vault.settings.storage_options or None,
                ).remove("raw", partition)
                forgotten.append((dataset, partition))
    return sorted(set(forgotten))
