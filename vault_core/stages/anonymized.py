"""The anonymized stage: apply the policy to one partition and audit it before it is published."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core import columns
from vault_core import partition_tables as ptables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests
from vault_core.ingest import RECORD_ID
from vault_core.partition_state import PartitionState
from vault_core.partitions import UNPARTITIONED
from vault_core.pii import (
    FINDINGS_SCHEMA,
    PiiEngine,
    PiiEngineConfig,
    PolicyReport,
    anonymize_table,
)
from vault_core.stages._common import (
    OBJECT_ADDRESS,
    PARTITION,
    _counts,
    _objects,
    _options,
    _record_schema,
    _records,
    _safe_names,
    _tag,
    _upstream,
    _with_partition,
    authorize,
    code_version,
    column_plan,
    schema_summary,
    states,
)
from vault_core.vault import Vault


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


# The findings' strings that repeat from row to row, read dictionary-encoded: each distinct
# value is held once per batch. Held whole as plain strings, a 100 MB day's findings made the
# anonymized step the worker's memory peak (issue 13; benchmarks/stage_memory.py).
_REPEATED_STRINGS = ["record_id", "column", "entity_type", "detector", OBJECT_ADDRESS]


class _FindingsByObject:
    """A partition's findings, read once, handed out object by object (a filtered read per
    object would scan the whole partition's findings each time). Held with their repeated
    strings dictionary-encoded; each object's slice is decoded when it is handed out."""

    def __init__(self, table: pa.Table) -> None:
        addresses = table[OBJECT_ADDRESS]
        if pa.types.is_dictionary(addresses.type):
            addresses = addresses.unify_dictionaries()
        else:
            addresses = pc.dictionary_encode(addresses)  # one dictionary for every chunk
        dictionary = (
            addresses.chunk(0).dictionary if addresses.num_chunks else pa.array([], pa.string())
        )
        codes = np.concatenate(
            [np.zeros(0, np.int64)]
            + [c.indices.to_numpy(zero_copy_only=False) for c in addresses.chunks]
        )
        self.columns = set(pc.unique(table["column"].cast(pa.string())).to_pylist())
        findings = table.select(FINDINGS_SCHEMA.names)
        # The stage writes findings object by object: usually each object's rows are already
        # together in code order and slices cost nothing.
        if len(codes) > 1 and bool((np.diff(codes) < 0).any()):
            # Stable: each object's findings keep their order in the table.
            findings = findings.take(pa.array(np.argsort(codes, kind="stable")))
        self._table = findings
        counts = np.bincount(codes, minlength=len(dictionary))
        ends = np.cumsum(counts)
        self._slices = {
            str(address): (int(end - count), int(count))
            for address, count, end in zip(dictionary.to_pylist(), counts, ends, strict=True)
        }

    def of(self, address: str) -> pa.Table:
        """The findings of the records sealed in object ``address``, in table order."""
        start, count = self._slices.get(address, (0, 0))
        return self._table.slice(start, count).cast(FINDINGS_SCHEMA)


def anonymize(
    vault: Vault, spec: DatasetSpec, check_engine: PiiEngine, partition: str = UNPARTITIONED
) -> AnonymizedResult:
    """Apply the policy, object by object, to the records the partition's findings were computed
    from; audit each batch before it reaches the writer (see :func:`audit`). With anything left,
    the write stops and nothing is committed."""
    authorize(vault, spec, "anonymized", partition)
    findings_state = _upstream(vault, spec, "pii_findings", partition)
    raw = PartitionState(**findings_state.counts["raw"])
    store = states(vault, spec)
    url = vault.table_url(spec.name, "anonymized")
    code = code_version(spec, "anonymized")
    inputs = combine_digests(
        {
            "code": code,
            "raw": raw.data_version,
            "findings": findings_state.data_version,
        }
    )
    previous = store.get("anonymized", partition)
    if previous is not None and previous.inputs_digest == inputs:
        return AnonymizedResult.from_state(previous, url, skipped=True)
    options = _options(vault)
    findings = _FindingsByObject(
        ptables.read_partition(
            vault.table_url(spec.name, "pii_findings"), partition,
            version=findings_state.delta_version,
            columns=[*FINDINGS_SCHEMA.names, OBJECT_ADDRESS], storage_options=options,
            dictionary_columns=_REPEATED_STRINGS,
        )
    )  # fmt: skip
    with_findings = findings.columns
    record_schema = _record_schema(raw)
    schema, plan = _output_schema(spec, vault, record_schema, with_findings)
    report: dict[str, Any] = {}
    leftover: dict[str, Counter[str]] = {"entity_type": Counter(), "column": Counter()}
    # The findings are the check engine's own (same configuration, current code): cells the
    # policy left as they were and where they found nothing need no second scan.
    same_engine = _config_key(check_engine.config) == _config_key(spec.pii) and (
        findings_state.inputs_digest
        == combine_digests({"code": code_version(spec, "pii_findings"), "raw": raw.data_version})
    )

    # Read before the writer starts: no deltalake call on this thread while it writes.
    objects = _objects(vault, spec, raw)

    def batches() -> Iterator[pa.RecordBatch]:
        for address in objects:
            records = _records(vault, spec, address, record_schema)
            records = columns.as_text(
                records, [n for n in plan.rewritten if n in plan.entity or n in with_findings]
            ).drop_columns(plan.dropped)
            found = findings.of(address)
            anonymized, batch_report = anonymize_table(
                records, found, spec.policy, columns=plan.rewritten,
                keys=vault.derive_subkey,
            )  # fmt: skip
            clean = _clean_cells(records, anonymized, found, plan.text) if same_engine else {}
            left = audit(anonymized, plan, check_engine, clean=clean)
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
        counts={
            "report": report,
            "schema": schema_summary(schema),
            "dropped": plan.dropped,
            "code": code,  # lets an erasure record the inputs of the rows it leaves
        },
    )
    store.put(state)
    return AnonymizedResult.from_state(state, url, skipped=False)


def audit_engine(spec: DatasetSpec) -> PiiEngineConfig:
    """The engine of the ``no_pii_left`` audit: the dataset's own detectors (its declared and
    Presidio ones included, its entity choice kept), in ``patterns`` mode. NER on text full of
    ``<TYPE>`` tags guesses names in the tags themselves, and what it found was replaced."""
    return spec.pii.model_copy(update={"mode": "patterns"})


def _config_key(config: PiiEngineConfig) -> str:
    # The number of NER processes never changes what an engine finds (tested).
    return config.model_dump_json(exclude={"n_process"})


def _clean_cells(
    records: pa.Table, anonymized: pa.Table, findings: pa.Table, text: list[str]
) -> dict[str, pa.Array]:
    """Per text column, the cells of ``anonymized`` known to hold nothing: unchanged by the
    policy (equal to the record's cell as text) and without a finding in ``findings``.

    Only valid when ``findings`` came from the audit's own engine (same configuration and code):
    an engine's findings in a cell depend on the cell's text and column alone (the engine scans
    each distinct value of a column once), so a scan of such a cell finds nothing again. Empty
    when the rows are not the records' in the same order (a policy that suppresses rows).
    """
    ids = anonymized[RECORD_ID]
    if anonymized.num_rows != records.num_rows or not ids.equals(records[RECORD_ID]):
        return {}
    clean = {}
    before = columns.as_text(records, [n for n in text if n in records.column_names])
    after = columns.as_text(anonymized, [n for n in text if n in anonymized.column_names])
    for name in text:
        if name not in before.column_names or name not in after.column_names:
            continue
        unchanged = pc.fill_null(pc.equal(before[name], after[name]), False)
        found = findings.filter(pc.equal(findings["column"], name))[RECORD_ID]
        flagged = pc.is_in(ids, value_set=pc.unique(found.combine_chunks()))
        clean[name] = pc.and_(unchanged, pc.invert(flagged)).combine_chunks()
    return clean


def audit(
    anonymized: pa.Table,
    plan: columns.ColumnPlan,
    engine: PiiEngine,
    *,
    clean: Mapping[str, pa.Array] | None = None,
) -> pa.Table:
    """Findings ``engine`` still reports in anonymized rows (a FINDINGS_SCHEMA table).

    Every column is scanned as text except the record id, the partition and the entity columns
    (rewritten whole by construction, often into realistic surrogates that would read as PII).
    In passthrough columns only direct identifiers count
    (:data:`vault_core.columns.DIRECT_IDENTIFIERS`), so they are scanned for those alone (see
    :func:`_direct_identifiers`). ``clean`` (column -> boolean mask, see :func:`_clean_cells`)
    names cells known to hold nothing ``engine`` finds: they are not scanned (about a sixth of
    the audit's text on the scale benchmark's tickets; the same findings either way, tested).

    Why a rewritten cell is scanned whole (issue 13 asked whether less would prove the same):
    what the engine guarantees is that a cell's findings depend on its text and column alone,
    so equal cells can be skipped, but not that a finding depends only on text near it. Some
    detectors have no width bound (e-mail local parts, URLs, street names: ``regex_bounds.widest``
    is None), context words and address assembly reach across neighbouring words and findings,
    and overlap resolution can let a candidate through once the finding that hid it is
    replaced. A window around each replacement could miss a finding that the whole cell shows,
    so every changed cell is scanned in full. Skipping anonymized values already audited in
    another object of the partition would be safe, but on the tickets it would spare at most 11%
    of the scanned bytes at the price of a partition-wide lookup: not done. Passthrough columns
    were never scanned by the first pass, so their scan has nothing to reuse.
    """
    scanned = [
        name
        for name in anonymized.column_names
        if name not in (RECORD_ID, PARTITION) and name not in plan.entity
    ]
    if anonymized.num_rows == 0 or not scanned:
        return FINDINGS_SCHEMA.empty_table()
    passthrough = [name for name in scanned if name in plan.passthrough]
    text = [name for name in scanned if name not in plan.passthrough]
    found = []
    if text:
        table = columns.as_text(anonymized, text)
        for name, mask in (clean or {}).items():
            if name in text:
                index = table.schema.get_field_index(name)
                column = table.column(index)
                table = table.set_column(
                    index, name, pc.if_else(mask, pa.nulls(len(mask), column.type), column)
                )
        found.append(engine.detect_table(table, text_columns=text))
    direct = _direct_identifiers(engine)
    if passthrough and direct is not None:
        table = columns.as_text(anonymized, passthrough)
        found.append(direct.detect_table(table, text_columns=passthrough))
    return pa.concat_tables(found) if found else FINDINGS_SCHEMA.empty_table()


def _direct_identifiers(engine: PiiEngine) -> PiiEngine | None:
    """``engine`` restricted to the direct identifiers it detects (None if it detects none).

    Scanning passthrough columns for every entity type and keeping the direct identifiers
    spent most of the audit on findings thrown away (a timestamp column is a DATE_TIME in every
    row). The restricted engine never reports less: the other types' detectors only compete
    with direct identifiers in overlap resolution, where the best-scored direct identifier of
    a cell always survives without them; on the scale benchmark's ticket bodies both give the
    same direct identifiers (issue 13, item 5).
    """
    wanted = sorted(columns.DIRECT_IDENTIFIERS & set(engine.entities))
    if not wanted:
        return None
    return _restricted(engine.config.model_copy(update={"entities": wanted}).model_dump_json())


@functools.lru_cache(maxsize=8)
def _restricted(config: str) -> PiiEngine:
    return PiiEngine(PiiEngineConfig.model_validate_json(config))
