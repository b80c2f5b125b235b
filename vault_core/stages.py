"""The four stages of one dataset (raw, pii_findings, anonymized, registered) as plain functions.

Dagster assets call these and turn their results into materializations; notebooks and tests call
them directly. Results carry counts, digests and locations only, never a value from the data.

The first three stages work on one partition (:data:`~vault_core.partitions.UNPARTITIONED` for a
dataset without partitioning) and stream it: ingest yields record batches, each sealed as one
object; findings and anonymized rows are computed object by object and streamed into a Delta
write that replaces exactly that partition. Memory follows ``spec.batch_rows``, not the data.

Each stage records what it wrote per partition (:mod:`vault_core.partition_state`): the digest of
its inputs and the Delta version holding its rows. The next stage reads exactly that version
(so overlapping runs never mix one run's findings with another's records), and a stage whose
inputs are unchanged skips the work. The anonymized rows are audited batch by batch before they
reach the writer; a batch that fails stops the write, nothing is committed, and no Delta version
(not even by time travel) holds it.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from vault_core import __version__, columns
from vault_core import partition_tables as ptables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests, schema_fingerprint
from vault_core.exceptions import TerminalError
from vault_core.ingest import RECORD_ID, conform, ingest_stream
from vault_core.partition_state import PartitionState, PartitionStateStore
from vault_core.partitions import UNPARTITIONED, partition_files
from vault_core.pii import FINDINGS_SCHEMA, PiiEngine, PolicyReport, anonymize_table
from vault_core.raw_zone import (
    MANIFEST_SCHEMA,
    QUARANTINE_SCHEMA,
    open_object,
    seal_batch,
    seal_rejects,
)
from vault_core.registry import (
    DIGEST_ANNOTATION,
    PARTITION_FILES_DIGEST,
    ZONE_ANNOTATION,
    Provenance,
    RegistryRecord,
    VersionCandidate,
)
from vault_core.tables import open_dataset
from vault_core.vault import Vault

PARTITION = ptables.PARTITION
OBJECT_ADDRESS = "object_address"


def code_version(spec: DatasetSpec, stage: str) -> str:
    """Code version of a stage: the vault release plus the settings that change its output."""
    parts = {"vault": __version__, "stage": stage}
    if stage == "raw":
        parts["ingest"] = spec.model_dump_json(include={"format", "required_columns"})
    if stage in ("pii_findings", "anonymized"):
        # The number of NER processes never changes the findings (tested): not part of it.
        parts["pii"] = spec.model_dump_json(
            include={"pii", "text_columns", "entity_columns", "passthrough_columns"},
            exclude={"pii": {"n_process"}},
        )
    if stage == "anonymized":
        parts["policy"] = spec.policy.digest()
    return f"{__version__}-" + combine_digests(parts)[3:15]


def schema_summary(schema: pa.Schema) -> dict[str, str]:
    """Column name -> Arrow type, for metadata (names that hold PII already replaced by labels)."""
    return {field.name: str(field.type) for field in schema}


def _column_key(vault: Vault) -> bytes:
    return vault.keyring.derive_subkey(columns.COLUMN_NAME_KEY_PURPOSE)


def _safe_names(vault: Vault, spec: DatasetSpec, names: list[str]) -> dict[str, str]:
    return columns.safe_column_names(names, key=_column_key(vault), keep=spec.declared_columns)


def column_plan(spec: DatasetSpec, schema: pa.Schema) -> columns.ColumnPlan:
    """What the PII stages do with each column of ``schema``."""
    return columns.plan_columns(
        schema,
        text_columns=spec.text_columns,
        entity_columns=spec.entity_columns,
        passthrough_columns=spec.passthrough_columns,
    )


class StageNotRunError(TerminalError):
    """A stage needs the result of an upstream stage for a partition that never ran."""

    def __init__(self, dataset: str, stage: str, partition: str) -> None:
        self.dataset, self.stage, self.partition = dataset, stage, partition
        super().__init__(
            f"{dataset}/{stage} has not been materialized for partition {partition!r}: "
            "materialize it first"
        )


def states(vault: Vault, spec: DatasetSpec) -> PartitionStateStore:
    """Where the stages of ``spec`` record what they wrote per partition."""
    return PartitionStateStore(
        vault.settings.path("datasets", spec.name, "_state"),
        vault.settings.storage_options or None,
    )


def _upstream(vault: Vault, spec: DatasetSpec, stage: str, partition: str) -> PartitionState:
    state = states(vault, spec).get(stage, partition)
    if state is None:
        raise StageNotRunError(spec.name, stage, partition)
    return state


def _with_partition(schema: pa.Schema) -> pa.Schema:
    return schema.append(pa.field(PARTITION, pa.string()))


def _tag(table: pa.Table, partition: str, schema: pa.Schema) -> pa.Table:
    tagged = table.append_column(PARTITION, pa.array([partition] * table.num_rows, pa.string()))
    return tagged.select(schema.names).cast(schema)


def _schema_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def _schema_of(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def _options(vault: Vault) -> dict[str, str] | None:
    return vault.settings.storage_options or None


# -- raw ----------------------------------------------------------------------------------------


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

    def manifest_batches() -> Iterator[pa.RecordBatch]:
        nonlocal objects
        for batch in stream or ():
            if batch.rejects:
                sealed = seal_rejects(vault.store, spec.name, batch.rejects)
                quarantined.append(_tag(sealed, partition, quarantine_schema))
                reasons.update(str(reject.reason) for reject in batch.rejects)
            if batch.records.num_rows == 0:
                continue
            manifest = seal_batch(vault.store, spec.name, batch.records, batch.origins)
            key_ids.update(manifest["key_id"].to_pylist())
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
            "objects": objects,
            "key_ids": sorted(key_ids),
            "sources": {s.url: s.digest for s in stream.sources} if stream else {},
            "schema": schema_summary(shown),
            "record_schema": _schema_text(record_schema),
            "manifest_url": manifest_url,
            "quarantine_url": quarantine_url,
            "quarantine_delta_version": quarantine_write.delta_version,
        },
    )
    store.put(state)
    return RawResult.from_state(state, skipped=False)


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
                    vault.settings.path("datasets", dataset, "_state"),
                    vault.settings.storage_options or None,
                ).remove("raw", partition)
                forgotten.append((dataset, partition))
    return sorted(set(forgotten))


def _record_schema(state: PartitionState) -> pa.Schema:
    return _schema_of(state.counts["record_schema"])


def _objects(vault: Vault, spec: DatasetSpec, raw: PartitionState) -> list[str]:
    """The sealed objects of a partition's records at the pinned manifest version, in order."""
    manifest = ptables.read_partition(
        vault.table_url(spec.name, "raw_manifest"),
        raw.partition,
        version=raw.delta_version,
        columns=[OBJECT_ADDRESS],
        storage_options=_options(vault),
    )
    return list(dict.fromkeys(manifest[OBJECT_ADDRESS].to_pylist()))


def _records(vault: Vault, spec: DatasetSpec, address: str, schema: pa.Schema) -> pa.Table:
    """One sealed batch as the PII stages see it: the partition's columns (missing ones null,
    declared ones always present) and column names that hold PII replaced by labels."""
    rows = conform(open_object(vault.store, address), schema)
    rows = columns.with_columns(rows, [*spec.text_columns, *spec.entity_columns])
    return columns.rename(rows, _safe_names(vault, spec, rows.column_names))


# -- PII findings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingsResult:
    """What scanning one partition for PII found (counts only)."""

    partition: str
    records_scanned: int
    by_type: dict[str, int]
    by_column: dict[str, int]
    data_version: str
    url: str
    delta_version: int
    rows: int
    skipped: bool = False

    @classmethod
    def from_state(cls, state: PartitionState, url: str, *, skipped: bool) -> FindingsResult:
        """The result recorded in a partition state."""
        c = state.counts
        return cls(
            state.partition, c["records_scanned"], c["by_type"], c["by_column"],
            state.data_version, url, state.delta_version, state.rows, skipped,
        )  # fmt: skip


def _counts(findings: pa.Table, column: str) -> dict[str, int]:
    if findings.num_rows == 0:
        return {}
    counts = pc.value_counts(findings[column]).to_pylist()
    return dict(sorted((item["values"], item["counts"]) for item in counts))


FINDINGS_TABLE_SCHEMA = _with_partition(
    FINDINGS_SCHEMA.append(pa.field(OBJECT_ADDRESS, pa.string()))
)


def find_pii(
    vault: Vault, spec: DatasetSpec, engine: PiiEngine, partition: str = UNPARTITIONED
) -> FindingsResult:
    """Detect PII, object by object, in one partition's records as the raw stage last wrote them
    (every column not declared passthrough); write the partition's findings."""
    raw = _upstream(vault, spec, "raw", partition)
    store = states(vault, spec)
    url = vault.table_url(spec.name, "pii_findings")
    inputs = combine_digests({"code": code_version(spec, "pii_findings"), "raw": raw.data_version})
    previous = store.get("pii_findings", partition)
    if previous is not None and previous.inputs_digest == inputs:
        return FindingsResult.from_state(previous, url, skipped=True)
    schema = _record_schema(raw)
    by_type: Counter[str] = Counter()
    by_column: Counter[str] = Counter()
    scanned = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal scanned
        for address in _objects(vault, spec, raw):
            records = _records(vault, spec, address, schema)
            plan = column_plan(spec, records.schema)
            found = engine.detect_table(
                columns.as_text(records, plan.rewritten),
                text_columns=plan.text,
                entity_columns=plan.entity,
            )
            scanned += records.num_rows
            by_type.update(_counts(found, "entity_type"))
            by_column.update(_counts(found, "column"))
            found = found.append_column(
                OBJECT_ADDRESS, pa.array([address] * found.num_rows, pa.string())
            )
            yield from _tag(found, partition, FINDINGS_TABLE_SCHEMA).to_batches()

    write = ptables.write_partition(
        url, FINDINGS_TABLE_SCHEMA, batches(), partition, storage_options=_options(vault)
    )
    state = PartitionState(
        stage="pii_findings",
        partition=partition,
        inputs_digest=inputs,
        data_version=write.data_version,
        delta_version=write.delta_version,
        rows=write.rows,
        counts={
            # The raw version these findings belong to: what anonymize reads, whatever raw
            # version is current by then (another run may have ingested since).
            "raw": asdict(raw),
            "records_scanned": scanned,
            "by_type": dict(sorted(by_type.items())),
            "by_column": dict(sorted(by_column.items())),
        },
    )
    store.put(state)
    return FindingsResult.from_state(state, url, skipped=False)


# -- anonymized ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnonymizedResult:
    """What applying the policy to one partition did, and what the audit before publishing found.

    ``delta_version`` is None when the audit found PII left: nothing was written.
    """

    partition: str
    rows: int
    report: dict[str, Any]
    schema: dict[str, str]
    leftover_by_type: dict[str, int]
    leftover_by_column: dict[str, int]
    dropped_columns: list[str]
    data_version: str | None
    url: str
    delta_version: int | None
    skipped: bool = False

    @property
    def published(self) -> bool:
        """Whether the audited rows became the partition's current version."""
        return self.delta_version is not None

    @property
    def leftover(self) -> int:
        """Findings the audit reported (0 when published)."""
        return sum(self.leftover_by_type.values())

    @classmethod
    def from_state(cls, state: PartitionState, url: str, *, skipped: bool) -> AnonymizedResult:
        """The result recorded in a partition state."""
        c = state.counts
        return cls(
            state.partition, state.rows, c["report"], c["schema"], {}, {}, c["dropped"],
            state.data_version, url, state.delta_version, skipped,
        )  # fmt: skip


class _AuditFailed(Exception):
    """Raised inside the write stream to stop it: a batch still holds PII."""


def _merge_reports(total: dict[str, Any], report: PolicyReport) -> None:
    part = report.to_dict()
    total.setdefault("policy", part["policy"])
    total.setdefault("policy_digest", part["policy_digest"])
    for key in ("spans_rewritten", "cells_rewritten"):
        total[key] = int(total.get(key, 0)) + int(part[key])  # type: ignore[call-overload]
    for entity, kinds in report.actions.items():
        mine = total.setdefault("actions", {}).setdefault(entity, {})
        for kind, count in kinds.items():
            mine[kind] = mine.get(kind, 0) + count
    for column, entities in report.by_column.items():
        mine_column = total.setdefault("by_column", {}).setdefault(column, {})
        for entity, kinds in entities.items():
            mine_entity = mine_column.setdefault(entity, {})
            for kind, count in kinds.items():
                mine_entity[kind] = mine_entity.get(kind, 0) + count


def _output_schema(
    spec: DatasetSpec, vault: Vault, record_schema: pa.Schema, with_findings: set[str]
) -> tuple[pa.Schema, columns.ColumnPlan]:
    """The anonymized partition's schema, fixed before streaming: entity columns and scanned
    columns with findings become text, undeclared unscannable columns are dropped."""
    empty = columns.with_columns(
        record_schema.empty_table(), [*spec.text_columns, *spec.entity_columns]
    )
    empty = columns.rename(empty, _safe_names(vault, spec, empty.column_names))
    plan = column_plan(spec, empty.schema)
    fields = []
    for f in empty.schema:
        if f.name in plan.dropped:
            continue
        textual = f.name in plan.entity or (f.name in plan.text and f.name in with_findings)
        fields.append(pa.field(f.name, pa.string()) if textual else pa.field(f.name, f.type))
    return _with_partition(pa.schema(fields)), plan


def anonymize(
    vault: Vault, spec: DatasetSpec, check_engine: PiiEngine, partition: str = UNPARTITIONED
) -> AnonymizedResult:
    """Apply the policy, object by object, to the records the partition's findings were computed
    from; audit each batch before it reaches the writer (see :func:`audit`). With anything left,
    the write stops and nothing is committed."""
    findings_state = _upstream(vault, spec, "pii_findings", partition)
    raw = PartitionState(**findings_state.counts["raw"])
    store = states(vault, spec)
    url = vault.table_url(spec.name, "anonymized")
    inputs = combine_digests(
        {
            "code": code_version(spec, "anonymized"),
            "raw": raw.data_version,
            "findings": findings_state.data_version,
        }
    )
    previous = store.get("anonymized", partition)
    if previous is not None and previous.inputs_digest == inputs:
        return AnonymizedResult.from_state(previous, url, skipped=True)
    options = _options(vault)
    findings_url = vault.table_url(spec.name, "pii_findings")
    with_findings = set(
        ptables.read_partition(
            findings_url, partition, version=findings_state.delta_version,
            columns=["column"], storage_options=options,
        )["column"].to_pylist()
    )  # fmt: skip
    record_schema = _record_schema(raw)
    schema, plan = _output_schema(spec, vault, record_schema, with_findings)
    report: dict[str, Any] = {}
    leftover: dict[str, Counter[str]] = {"entity_type": Counter(), "column": Counter()}

    def batches() -> Iterator[pa.RecordBatch]:
        for address in _objects(vault, spec, raw):
            records = _records(vault, spec, address, record_schema)
            findings = ptables.read_partition(
                findings_url, partition, version=findings_state.delta_version,
                row_filter=ds.field(OBJECT_ADDRESS) == address, storage_options=options,
            ).select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)  # fmt: skip
            records = columns.as_text(
                records, [n for n in plan.rewritten if n in plan.entity or n in with_findings]
            ).drop_columns(plan.dropped)
            anonymized, batch_report = anonymize_table(
                records, findings, spec.policy, columns=plan.rewritten,
                keys=vault.keyring.derive_subkey,
            )  # fmt: skip
            left = audit(anonymized, plan, check_engine)
            if left.num_rows:
                leftover["entity_type"].update(_counts(left, "entity_type"))
                leftover["column"].update(_counts(left, "column"))
                raise _AuditFailed
            _merge_reports(report, batch_report)
            yield from _tag(anonymized, partition, schema).to_batches()

    try:
        write = ptables.write_partition(url, schema, batches(), partition, storage_options=options)
    except _AuditFailed:
        return AnonymizedResult(
            partition, 0, report, schema_summary(schema), dict(leftover["entity_type"]),
            dict(leftover["column"]), plan.dropped, None, url, None,
        )  # fmt: skip
    report.setdefault("policy", spec.policy.name)
    report.setdefault("policy_digest", spec.policy.digest())
    state = PartitionState(
        stage="anonymized",
        partition=partition,
        inputs_digest=inputs,
        data_version=write.data_version,
        delta_version=write.delta_version,
        rows=write.rows,
        counts={"report": report, "schema": schema_summary(schema), "dropped": plan.dropped},
    )
    store.put(state)
    if spec.retention_hours >= 0:
        for zone in ("raw_manifest", "quarantine", "pii_findings", "anonymized"):
            ptables.vacuum(vault.table_url(spec.name, zone), spec.retention_hours, options)
    return AnonymizedResult.from_state(state, url, skipped=False)


def audit(anonymized: pa.Table, plan: columns.ColumnPlan, engine: PiiEngine) -> pa.Table:
    """Findings ``engine`` still reports in anonymized rows (a FINDINGS_SCHEMA table).

    Every column is scanned as text except the record id, the partition and the entity columns
    (rewritten whole by construction, often into realistic surrogates that would read as PII).
    In passthrough columns only direct identifiers count
    (:data:`vault_core.columns.DIRECT_IDENTIFIERS`).
    """
    scanned = [
        name
        for name in anonymized.column_names
        if name not in (RECORD_ID, PARTITION) and name not in plan.entity
    ]
    if anonymized.num_rows == 0 or not scanned:
        return FINDINGS_SCHEMA.empty_table()
    found = engine.detect_table(columns.as_text(anonymized, scanned), text_columns=scanned)
    if not plan.passthrough or found.num_rows == 0:
        return found
    in_passthrough = pc.is_in(found["column"], pa.array(plan.passthrough, pa.string()))
    direct = pc.is_in(found["entity_type"], pa.array(sorted(columns.DIRECT_IDENTIFIERS)))
    return found.filter(pc.or_(pc.invert(in_passthrough), direct))


# -- registered ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterResult:
    """The registry record of this run and whether it is a new version."""

    record: RegistryRecord
    created: bool
    upstream: dict[str, str] = field(default_factory=dict)


def register(
    vault: Vault,
    spec: DatasetSpec,
    *,
    upstream: dict[str, str],
    run_id: str | None = None,
    provenance: Provenance | None = None,
    checks: dict[str, bool] | None = None,
) -> RegisterResult:
    """Register the anonymized table, every partition as its last run left it, as a dataset
    version (a no-op when nothing changed). New partitions are new data: a minor version.

    ``provenance`` (run, upstream materializations, source files) and ``checks`` (asset check
    results of this run) come from the orchestrator; they are stored, not compared.
    """
    store = states(vault, spec)
    anonymized = store.all("anonymized")
    if not anonymized:
        raise StageNotRunError(spec.name, "anonymized", "any")
    raws = store.all("raw")
    findings = store.all("pii_findings")
    url = vault.table_url(spec.name, "anonymized")
    options = _options(vault)
    schema = open_dataset(url, storage_options=options).schema
    by_type: Counter[str] = Counter()
    for state in findings:
        by_type.update(state.counts["by_type"])
    partitions = {state.partition: state.data_version for state in anonymized}
    candidate = VersionCandidate(
        name=spec.name,
        data_version=ptables.combine_partitions(partitions),
        code_version=code_version(spec, "anonymized"),
        schema_fingerprint=schema_fingerprint(schema),
        row_count=sum(state.rows for state in anonymized),
        storage_url=url,
        delta_version=max(state.delta_version for state in anonymized),
        pii_summary=dict(sorted(by_type.items())),
        key_ids=sorted({key for state in raws for key in state.counts["key_ids"]}),
        upstream=upstream,
        run_id=run_id,
        owner=spec.owner,
        tags=spec.tags,
        annotations={
            ZONE_ANNOTATION: "anonymized",
            "policy": spec.policy.name,
            DIGEST_ANNOTATION: PARTITION_FILES_DIGEST,
        },
        checks=checks or {},
        provenance=provenance or Provenance(run_id=run_id),
        policy_digest=spec.policy.digest(),
        partitions=partitions,
        # What the policy was applied to: an unchanged input with another policy is a patch.
        input_version=combine_digests(
            {
                "records": combine_digests({s.partition: s.data_version for s in raws}),
                "findings": combine_digests({s.partition: s.data_version for s in findings}),
                "vault": __version__,
            }
        ),
    )
    record, created = vault.registry.register(candidate)
    return RegisterResult(record, created, upstream)
