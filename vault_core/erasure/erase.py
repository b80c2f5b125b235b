"""Erase one person's records (right to erasure) from a dataset's zones, and prove it.

The subject index gives the record ids per partition. Each partition that holds some is
rewritten without them, table by table: the raw manifest (only the sealed objects holding the
records are re-sealed), the findings (pointing at the re-sealed objects), the anonymized rows
and the index. The ids are tombstoned first, so no later ingest brings them back. Then the
files of older versions of those partitions and the old objects are deleted (what Delta's
VACUUM would do, limited to the partitions touched), the partition states are updated so that
reruns skip unchanged work, a registry version is registered and the older ones marked
``erased``. Work follows the partitions that hold the subject, not the dataset's size.
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import blake3
import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from vault_core import __version__, subject_index, tombstones
from vault_core import partition_tables as ptables
from vault_core.digest import combine_digests
from vault_core.erasure import quarantine
from vault_core.erasure.exceptions import DataErasedError, ErasureRequestError
from vault_core.erasure.receipt import (
    DatasetErasure,
    ErasureReceipt,
    Verification,
    ZoneCounts,
)
from vault_core.ingest import RECORD_ID
from vault_core.partition_state import PartitionStateStore
from vault_core.raw_zone import ADDRESS_COLUMNS, MANIFEST_SCHEMA, open_object, seal_batch
from vault_core.registry import Registry
from vault_core.registry.records import AssetKind, Provenance, Status, VersionCandidate
from vault_core.storage.backends import replace_at
from vault_core.storage_options import fsspec_options
from vault_core.tables import TableNotFoundError, open_dataset, table_version

if TYPE_CHECKING:
    from vault_core.vault import Vault

logger = logging.getLogger(__name__)

ERASURE_ID_PURPOSE = "vault/erasure-id/v1"
ERASURES_FILE = "_erasures.json"
PARTITION = ptables.PARTITION
_GONE = {Status.ERASED, Status.EXPIRED, Status.DELETED}
_TABLES = ("raw_manifest", "pii_findings", "anonymized", subject_index.INDEX_ZONE)
_ZONES = (*_TABLES, "quarantine")


@dataclass
class _Partition:
    """What erasing one partition did (or would do)."""

    records: int = 0
    objects_rewritten: int = 0
    old_objects: set[str] = field(default_factory=set)
    quarantined: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    writes: dict[str, ptables.PartitionWrite] = field(default_factory=dict)


def erasure_id(vault: Vault, identifiers: Sequence[str], scope: str, reason: str) -> str:
    """A keyed digest of the request (identifiers normalized, scope, reason)."""
    key = vault.keyring.derive_subkey(ERASURE_ID_PURPOSE)
    hashes = sorted({h for i in identifiers for h in subject_index.hash_keys(
        subject_index.query_keys(i), key)})  # fmt: skip
    text = json.dumps({"subjects": hashes, "scope": scope, "reason": reason}, sort_keys=True)
    return "er-" + blake3.blake3(text.encode(), key=key).hexdigest(length=12)


def check_request(identifiers: Sequence[str], reason: str) -> list[str]:
    """The identifiers, stripped and deduplicated; a typed error for a malformed request."""
    cleaned = sorted({i.strip() for i in identifiers if i and i.strip()})
    if not cleaned:
        raise ErasureRequestError("an erasure needs at least one identifier")
    if not reason.strip():
        raise ErasureRequestError("an erasure needs a reason (e.g. a request number)")
    folded = reason.casefold()
    for identifier in cleaned:
        if len(identifier) >= 3 and identifier.casefold() in folded:
            raise ErasureRequestError(
                "the reason quotes one of the identifiers: the reason is kept in the audit log "
                "and the receipt, so give a request number instead"
            )
    return cleaned


# -- one partition ---------------------------------------------------------------------------


def _rewrite(
    url: str,
    partition: str,
    keep: Callable[[pa.RecordBatch], pa.RecordBatch],
    *,
    options: dict[str, str] | None,
    dry_run: bool,
    removed_filter: ds.Expression,
) -> tuple[int, ptables.PartitionWrite | None]:
    """Rewrite one partition of one table through ``keep``; (rows removed, the write)."""
    only = ds.field(PARTITION) == partition
    try:
        dataset = open_dataset(url, storage_options=options, partition_filter=only)
    except TableNotFoundError:
        return 0, None
    removed = dataset.count_rows(filter=only & removed_filter)
    if dry_run or removed == 0:
        return removed, None
    schema = dataset.schema

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in dataset.to_batches(filter=only):
            kept = keep(batch)
            if kept.num_rows:
                yield kept.select(schema.names).cast(schema)

    return removed, ptables.write_partition(
        url, schema, batches(), partition, storage_options=options
    )


def _without(ids: pa.Array) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    def keep(batch: pa.RecordBatch) -> pa.RecordBatch:
        return batch.filter(pc.invert(pc.is_in(batch[RECORD_ID], ids)))

    return keep


def _erase_raw(
    vault: Vault, dataset: str, partition: str, ids: pa.Array, *, dry_run: bool
) -> tuple[_Partition, dict[str, str | None]]:
    """Re-seal the raw objects holding ``ids`` without them; rewrite the manifest partition.
    Returns the counts and old address -> new address (None when nothing was left)."""
    url = vault.table_url(dataset, "raw_manifest")
    options = vault.settings.storage_options or None
    manifest = ptables.read_partition(url, partition, storage_options=options)
    hit = pc.is_in(manifest[RECORD_ID], ids)
    touched = sorted(set(manifest.filter(hit)["object_address"].to_pylist()))
    result = _Partition(records=pc.sum(hit.cast(pa.int64())).as_py() or 0)
    result.rows["raw_manifest"] = result.records
    moved: dict[str, str | None] = {}
    if dry_run or not touched:
        # Objects left with records are re-sealed; the others only deleted.
        kept = manifest.filter(pc.invert(hit))["object_address"].to_pylist()
        result.objects_rewritten = len(set(touched) & set(kept))
        result.old_objects = set(touched)
        return result, moved
    keep_rows = [manifest.filter(pc.invert(pc.is_in(manifest["object_address"],
                                                    pa.array(touched, pa.string()))))]  # fmt: skip
    for address in touched:
        records = open_object(vault.store, address)
        left = records.filter(pc.invert(pc.is_in(records[RECORD_ID], ids)))
        old_rows = manifest.filter(pc.equal(manifest["object_address"], address))
        result.old_objects.add(address)
        if left.num_rows == 0:
            moved[address] = None
            continue
        origins = old_rows.select([RECORD_ID, "source_url", "source_line"])
        rows = seal_batch(vault.store, dataset, left, origins)
        moved[address] = str(rows["object_address"][0])
        keep_rows.append(
            rows.append_column(PARTITION, pa.array([partition] * rows.num_rows, pa.string()))
        )
        result.objects_rewritten += 1
    schema = MANIFEST_SCHEMA.append(pa.field(PARTITION, pa.string()))
    table = pa.concat_tables([t.select(schema.names).cast(schema) for t in keep_rows])
    result.writes["raw_manifest"] = ptables.write_partition(
        url, schema, table.to_batches(), partition, storage_options=options
    )
    return result, moved


def _erase_partition(
    vault: Vault,
    dataset: str,
    partition: str,
    record_ids: set[str],
    quarantined: set[str],
    *,
    dry_run: bool,
) -> _Partition:
    options = vault.settings.storage_options or None
    result = _Partition()
    if quarantined:
        lines = pa.array(sorted(quarantined), pa.string())

        def keep_lines(batch: pa.RecordBatch) -> pa.RecordBatch:
            return batch.filter(pc.invert(pc.is_in(batch[quarantine.ADDRESS], lines)))

        rows, write = _rewrite(
            vault.table_url(dataset, "quarantine"), partition, keep_lines, options=options,
            dry_run=dry_run, removed_filter=ds.field(quarantine.ADDRESS).isin(lines),
        )  # fmt: skip
        result.rows["quarantine"] = rows
        if write is not None:
            result.writes["quarantine"] = write
        result.old_objects |= quarantined
        result.quarantined = set(quarantined)
    if not record_ids:
        return result
    ids = pa.array(sorted(record_ids), pa.string())
    raw, moved = _erase_raw(vault, dataset, partition, ids, dry_run=dry_run)
    raw.rows.update(result.rows)
    raw.writes.update(result.writes)
    raw.old_objects |= result.old_objects
    raw.quarantined = result.quarantined
    result = raw
    removed = ds.field(RECORD_ID).isin(ids)
    for zone in ("pii_findings", "anonymized", subject_index.INDEX_ZONE):
        keep = _without(ids)
        if zone == "pii_findings" and moved:
            keep = _remapping(keep, moved)
        rows, write = _rewrite(
            vault.dataset_url(dataset, zone), partition, keep,
            options=options, dry_run=dry_run, removed_filter=removed,
        )  # fmt: skip
        result.rows[zone] = rows
        if write is not None:
            result.writes[zone] = write
    return result


def _remapping(
    keep: Callable[[pa.RecordBatch], pa.RecordBatch], moved: dict[str, str | None]
) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """Findings point at the object their record is sealed in: follow the re-sealed objects."""
    old = pa.array(list(moved), pa.string())
    new = pa.array([moved[a] for a in moved], pa.string())

    def remap(batch: pa.RecordBatch) -> pa.RecordBatch:
        batch = keep(batch)
        column = batch.schema.get_field_index("object_address")
        index = pc.index_in(batch["object_address"], old)
        replaced = pc.if_else(pc.is_null(index), batch["object_address"], pc.take(new, index))
        return batch.set_column(column, "object_address", replaced)

    return remap


# -- states ----------------------------------------------------------------------------------


def _update_states(vault: Vault, dataset: str, partition: str, done: _Partition) -> None:
    """Record the partition as the erasure left it, so that reruns skip unchanged work."""
    store = PartitionStateStore(
        vault.dataset_url(dataset, "_state"), vault.settings.storage_options or None
    )
    raw = store.get("raw", partition)
    if raw is None:
        return
    options = vault.settings.storage_options or None
    manifest = done.writes.get("raw_manifest")
    lines = done.writes.get("quarantine")
    if manifest is not None or lines is not None:
        counts = dict(raw.counts)
        if manifest is not None:
            counts["objects"] = max(
                0, int(counts.get("objects", 0)) - len(done.old_objects - done.quarantined)
                + done.objects_rewritten,
            )  # fmt: skip
        if lines is not None:
            counts["quarantine_delta_version"] = lines.delta_version
            counts["quarantined"] = lines.rows
        manifest_digest = (
            manifest.data_version
            if manifest is not None
            else ptables.partition_digest(
                vault.table_url(dataset, "raw_manifest"),
                raw.delta_version,
                partition,
                storage_options=options,
            )
        )
        lines_digest = lines.data_version if lines is not None else (
            ptables.partition_digest(
                vault.table_url(dataset, "quarantine"),
                int(counts["quarantine_delta_version"]), partition, storage_options=options,
            ) if "quarantine_delta_version" in counts else ""
        )  # fmt: skip
        raw = replace(
            raw,
            data_version=combine_digests({"manifest": manifest_digest, "quarantine": lines_digest})
            if lines_digest
            else manifest_digest,
            delta_version=manifest.delta_version if manifest is not None else raw.delta_version,
            rows=manifest.rows if manifest is not None else raw.rows,
            counts=counts,
        )
        store.put(raw)
    findings = store.get("pii_findings", partition)
    write = done.writes.get("pii_findings")
    if findings is not None:
        counts = dict(findings.counts)
        counts["raw"] = asdict(raw)
        index = done.writes.get(subject_index.INDEX_ZONE)
        if index is not None:
            counts["subject_index_version"] = index.delta_version
            counts["subject_index_rows"] = index.rows
        counts["records_scanned"] = max(0, int(counts.get("records_scanned", 0)) - done.records)
        data_version = write.data_version if write else findings.data_version
        inputs = findings.inputs_digest
        if "code" in counts:
            inputs = combine_digests({"code": counts["code"], "raw": raw.data_version})
        findings = replace(
            findings, inputs_digest=inputs, data_version=data_version, counts=counts,
            delta_version=write.delta_version if write else findings.delta_version,
            rows=write.rows if write else findings.rows,
        )  # fmt: skip
        store.put(findings)
    anonymized = store.get("anonymized", partition)
    write = done.writes.get("anonymized")
    if anonymized is not None and findings is not None:
        inputs = anonymized.inputs_digest
        if "code" in anonymized.counts:
            inputs = combine_digests(
                {"code": anonymized.counts["code"], "raw": raw.data_version,
                 "findings": findings.data_version}
            )  # fmt: skip
        anonymized = replace(
            anonymized, inputs_digest=inputs,
            data_version=write.data_version if write else anonymized.data_version,
            delta_version=write.delta_version if write else anonymized.delta_version,
            rows=write.rows if write else anonymized.rows,
        )  # fmt: skip
        store.put(anonymized)


# -- old versions ----------------------------------------------------------------------------


def purge_old_files(
    vault: Vault, dataset: str, zone: str, partitions: set[str]
) -> tuple[int, set[str]]:
    """Delete the data files of ``partitions`` that the current version does not use (older
    versions of those partitions still hold the erased rows). Returns how many, and the sealed
    addresses the deleted manifest files named."""
    url = vault.dataset_url(dataset, zone)
    options = vault.settings.storage_options or None
    version = table_version(url, options)
    if version is None:
        return 0, set()
    live = ptables.partition_files(url, version, options)
    fs, root = fsspec.core.url_to_fs(url, **fsspec_options(options))
    keep = {fs._strip_protocol(f) for files in live.values() for f in files}
    folders = {
        posixpath.dirname(fs._strip_protocol(f))
        for partition in partitions
        for f in live.get(partition, [])
    }
    folders |= {posixpath.join(root, f"{PARTITION}={p}") for p in partitions}
    doomed = []
    for folder in sorted(folders):
        if not fs.exists(folder):
            continue
        doomed += [p for p in fs.find(folder) if p.endswith(".parquet") and p not in keep]
    addresses: set[str] = set()
    column_name = ADDRESS_COLUMNS.get(zone)
    if column_name is not None:
        for path in doomed:
            with fs.open(path, "rb") as handle:
                column = pq.read_table(handle, columns=[column_name])[column_name]
            addresses.update(str(a) for a in column.to_pylist() if a)
    for path in doomed:
        fs.rm_file(path)
    return len(doomed), addresses


def live_addresses(vault: Vault, dataset: str, candidates: set[str]) -> set[str]:
    """Those of ``candidates`` the current manifest or quarantine of ``dataset`` still names."""
    if not candidates:
        return set()
    wanted = pa.array(sorted(candidates), pa.string())
    options = vault.settings.storage_options or None
    live: set[str] = set()
    for zone, column in (("raw_manifest", "object_address"), ("quarantine", "raw_address")):
        try:
            found = open_dataset(
                vault.dataset_url(dataset, zone), storage_options=options
            ).to_table(columns=[column], filter=ds.field(column).isin(wanted))
        except TableNotFoundError:
            continue
        live.update(str(a) for a in found[column].to_pylist())
    return live


# -- the erased-versions log -----------------------------------------------------------------


def _log_url(vault: Vault, dataset: str) -> str:
    return vault.dataset_url(dataset, ERASURES_FILE)


def erased_before(vault: Vault, dataset: str) -> list[dict[str, Any]]:
    """The erasures of ``dataset``: id, reason, time and, per table, the last Delta version
    that still held the erased rows."""
    fs, path = fsspec.core.url_to_fs(
        _log_url(vault, dataset), **fsspec_options(vault.settings.storage_options)
    )
    if not fs.exists(path):
        return []
    entries: list[dict[str, Any]] = json.loads(fs.cat_file(path))
    return entries


def check_readable(vault: Vault, dataset: str, zone: str, version: int) -> None:
    """Raise :class:`DataErasedError` if Delta ``version`` of a zone held erased rows."""
    for entry in erased_before(vault, dataset):
        last = entry.get("before", {}).get(zone)
        if last is not None and version <= int(last):
            raise DataErasedError(dataset, zone, version, entry["erasure_id"], entry["reason"])


def log_erasure(vault: Vault, dataset: str, entry: dict[str, Any]) -> None:
    """Add ``entry`` to the dataset's erasure log (replaced whole: atomic and fsynced locally)."""
    entries = [e for e in erased_before(vault, dataset) if e["erasure_id"] != entry["erasure_id"]]
    blob = json.dumps([*entries, entry], indent=1, sort_keys=True).encode()
    replace_at(_log_url(vault, dataset), blob, vault.settings.storage_options)


# -- registry --------------------------------------------------------------------------------


def register_after(
    vault: Vault,
    registry: Registry,
    dataset: str,
    touched: set[str],
    *,
    status: Status = Status.ERASED,
    status_reason: str,
) -> tuple[str | None, list[str], list[str]]:
    """Register the dataset as an erasure (or a retention purge) left it; give the older
    versions that held the partitions touched ``status``. Returns (new version key, keys of
    the versions marked, downstream keys)."""
    history = [r for r in registry.list(dataset) if r.kind == AssetKind.DATASET]
    if not history:
        return None, [], []
    latest = history[-1]
    store = PartitionStateStore(
        vault.dataset_url(dataset, "_state"), vault.settings.storage_options or None
    )
    anonymized = store.all("anonymized")
    raws = store.all("raw")
    findings = store.all("pii_findings")
    if not anonymized:  # every partition purged: nothing left to register
        return None, *_mark(registry, history, None, touched, status, status_reason)
    fields = set(VersionCandidate.model_fields)
    data = {k: v for k, v in latest.model_dump().items() if k in fields}
    partitions = {s.partition: s.data_version for s in anonymized}
    data.update(
        data_version=ptables.combine_partitions(partitions),
        row_count=sum(s.rows for s in anonymized),
        delta_version=max(s.delta_version for s in anonymized),
        partitions=partitions,
        run_id=None,
        provenance=Provenance(run_id=None).model_dump(),
        checks={},
        # As the registered stage computes it: a rerun over the erased data registers nothing.
        input_version=combine_digests(
            {
                "records": combine_digests({s.partition: s.data_version for s in raws}),
                "findings": combine_digests({s.partition: s.data_version for s in findings}),
                "vault": __version__,
            }
        ),
    )
    record, _ = registry.register(VersionCandidate.model_validate(data))
    return record.key, *_mark(registry, history, record.key, touched, status, status_reason)


def _mark(
    registry: Registry,
    history: list[Any],
    current: str | None,
    touched: set[str],
    status: Status,
    reason: str,
) -> tuple[list[str], list[str]]:
    """Give ``status`` to the versions of ``history`` (but ``current``) holding partitions of
    ``touched``; (their keys, the keys registered downstream of them)."""
    marked: list[str] = []
    downstream: set[str] = set()
    for old in history:
        if old.key == current or old.status in _GONE:
            continue
        if old.partitions and not touched & set(old.partitions):
            continue
        registry.set_status(old.name, old.version, status, reason)
        marked.append(old.key)
        downstream.update(r.key for r in registry.impact(old.name, old.version))
    return marked, sorted(downstream)


# -- verification ----------------------------------------------------------------------------


def _needles(identifiers: Sequence[str]) -> list[str]:
    forms = set()
    for identifier in identifiers:
        forms.add(identifier.casefold())
        for kind, norm in subject_index.query_keys(identifier):
            if kind == "email":
                forms.add(norm)
    return sorted(f for f in forms if len(f) >= 3)


def verify(vault: Vault, datasets: Sequence[str], identifiers: Sequence[str]) -> Verification:
    """Look the identifiers up again and scan the anonymized text of ``datasets`` for them."""
    hits = matches = rows = scanned = lines = 0
    needles = _needles(identifiers)
    options = vault.settings.storage_options or None
    for dataset in datasets:
        try:
            key = _index_key(vault, dataset)
        except Exception:
            key = None
        if key is not None:
            found = subject_index.lookup(
                vault.dataset_url(dataset, subject_index.INDEX_ZONE),
                subject_index.subject_hashes(identifiers, key),
                storage_options=options,
            )
            hits += sum(len(v) for v in found.values())
        lines += sum(len(v) for v in quarantine.find(vault, dataset, identifiers)[0].values())
        try:
            table = open_dataset(vault.table_url(dataset, "anonymized"), storage_options=options)
        except TableNotFoundError:
            continue
        scanned += 1
        text = [f.name for f in table.schema if pa.types.is_string(f.type) or
                pa.types.is_large_string(f.type)]  # fmt: skip
        for batch in table.to_batches(columns=text):
            rows += batch.num_rows
            for column in batch.columns:
                for needle in needles:
                    found_in = pc.match_substring(column, needle, ignore_case=True)
                    matches += pc.sum(found_in.cast(pa.int64())).as_py() or 0
    return Verification(
        index_hits=hits, anonymized_matches=matches, datasets_scanned=scanned, rows_scanned=rows,
        quarantine_matches=lines,
    )  # fmt: skip


def _index_key(vault: Vault, dataset: str) -> bytes:
    return subject_index.subject_key(
        vault.store, vault.datasets_url_of(dataset), dataset, create=False,
        storage_options=vault.settings.storage_options or None,
    )  # fmt: skip


# -- the whole erasure -----------------------------------------------------------------------


def erase_dataset(
    vault: Vault,
    registry: Registry,
    dataset: str,
    identifiers: Sequence[str],
    *,
    eid: str,
    reason: str,
    dry_run: bool,
) -> DatasetErasure:
    """Erase the records of ``identifiers`` from one dataset; what was (or would be) removed."""
    options = vault.settings.storage_options or None
    try:
        key = _index_key(vault, dataset)
    except subject_index.SubjectIndexError:
        if table_version(vault.table_url(dataset, "raw_manifest"), options) is None:
            return DatasetErasure(dataset=dataset)  # nothing ingested: nothing to erase
        raise
    plan = subject_index.lookup(
        vault.dataset_url(dataset, subject_index.INDEX_ZONE),
        subject_index.subject_hashes(identifiers, key),
        storage_options=options,
    )
    lines, stones = quarantine.find(vault, dataset, identifiers)
    if not plan and not lines:
        return DatasetErasure(dataset=dataset)
    touched = set(plan) | set(lines)
    before = {zone: table_version(vault.dataset_url(dataset, zone), options) for zone in _ZONES}
    if not dry_run:
        # First, so that an ingest running now or later never brings the records back.
        tombstones.add(
            vault.dataset_url(dataset, tombstones.TOMBSTONES_ZONE),
            {rid for ids in plan.values() for rid in ids} | stones,
            eid,
            options,
        )
    zones: dict[str, dict[str, int]] = {z: {"rows": 0, "files": 0} for z in _ZONES}
    records = rewritten = 0
    old_objects: set[str] = set()
    for partition in sorted(touched):
        done = _erase_partition(
            vault, dataset, partition, plan.get(partition, set()), lines.get(partition, set()),
            dry_run=dry_run,
        )  # fmt: skip
        records += done.records
        rewritten += done.objects_rewritten
        old_objects |= done.old_objects
        for zone, rows in done.rows.items():
            zones[zone]["rows"] += rows
        if not dry_run:
            _update_states(vault, dataset, partition, done)
    deleted = len(old_objects) if dry_run else 0
    if not dry_run:
        for zone in _ZONES:
            files, addresses = purge_old_files(vault, dataset, zone, touched)
            zones[zone]["files"] = files
            old_objects |= addresses
        doomed = old_objects - live_addresses(vault, dataset, old_objects)
        deleted = vault.store.delete_many(sorted(doomed))
        log_erasure(
            vault, dataset,
            {"erasure_id": eid, "reason": reason, "at": datetime.now(UTC).isoformat(),
             "before": {z: v for z, v in before.items() if v is not None}},
        )  # fmt: skip
    new_version: str | None = None
    erased: list[str] = []
    models: list[str] = []
    if not dry_run and plan:  # quarantined lines are in no registered version
        new_version, erased, models = register_after(
            vault, registry, dataset, set(plan), status_reason=f"erasure {eid}: {reason}"
        )
    elif plan:
        history = [r for r in registry.list(dataset) if r.kind == AssetKind.DATASET]
        erased = [r.key for r in history if r.status not in _GONE
                  and (not r.partitions or set(plan) & set(r.partitions))]  # fmt: skip
    after = {z: table_version(vault.dataset_url(dataset, z), options) for z in _ZONES}
    return DatasetErasure(
        dataset=dataset,
        partitions=sorted(touched),
        records=records,
        quarantined=zones["quarantine"]["rows"],
        objects_rewritten=rewritten,
        objects_deleted=deleted,
        zones={
            zone: ZoneCounts(
                rows=zones[zone]["rows"],
                delta_version=None if dry_run else after[zone],
                files_removed=zones[zone]["files"],
            )
            for zone in _ZONES
        },
        new_version=new_version,
        erased_versions=erased,
        models=models,
    )


def build_receipt(
    *,
    eid: str,
    dry_run: bool,
    reason: str,
    principal: str,
    identifiers: int,
    datasets: list[DatasetErasure],
    verification: Verification | None,
) -> ErasureReceipt:
    """The receipt (a helper so the facade stays short)."""
    return ErasureReceipt(
        erasure_id=eid,
        dry_run=dry_run,
        reason=reason,
        principal=principal,
        at=datetime.now(UTC).isoformat(),
        identifiers=identifiers,
        datasets=datasets,
        verification=verification,
    )
