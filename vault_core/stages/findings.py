"""The pii_findings stage: detect PII in one partition's sealed records, object by object."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pyarrow as pa

from vault_core import columns, subject_index
from vault_core import partition_tables as ptables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests
from vault_core.partition_state import PartitionState
from vault_core.partitions import UNPARTITIONED
from vault_core.pii import FINDINGS_SCHEMA, PiiEngine
from vault_core.stages._common import (
    OBJECT_ADDRESS,
    _counts,
    _objects,
    _options,
    _record_schema,
    _records,
    _tag,
    _upstream,
    _with_partition,
    authorize,
    code_version,
    column_plan,
    states,
    subject_key,
)
from vault_core.vault import Vault


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


FINDINGS_TABLE_SCHEMA = _with_partition(
    FINDINGS_SCHEMA.append(pa.field(OBJECT_ADDRESS, pa.string()))
)


def find_pii(
    vault: Vault, spec: DatasetSpec, engine: PiiEngine, partition: str = UNPARTITIONED
) -> FindingsResult:
    """Detect PII, object by object, in one partition's records as the raw stage last wrote them
    (every column not declared passthrough); write the partition's findings."""
    authorize(vault, spec, "pii_findings", partition)
    raw = _upstream(vault, spec, "raw", partition)
    store = states(vault, spec)
    url = vault.table_url(spec.name, "pii_findings")
    code = code_version(spec, "pii_findings")
    inputs = combine_digests({"code": code, "raw": raw.data_version})
    previous = store.get("pii_findings", partition)
    if previous is not None and previous.inputs_digest == inputs:
        return FindingsResult.from_state(previous, url, skipped=True)
    schema = _record_schema(raw)
    by_type: Counter[str] = Counter()
    by_column: Counter[str] = Counter()
    scanned = 0
    index_key = subject_key(vault, spec.name, create=True)
    indexed: list[pa.Table] = []  # keyed hashes and record ids: small beside the findings

    # Read before the writer starts: no deltalake call on this thread while it writes.
    objects = _objects(vault, spec, raw)

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal scanned
        for address in objects:
            records = _records(vault, spec, address, schema)
            plan = column_plan(spec, records.schema)
            texts = columns.as_text(records, plan.rewritten)
            found = engine.detect_table(
                texts,
                text_columns=plan.text,
                entity_columns=plan.entity,
            )
            indexed.append(subject_index.index_rows(texts, found, index_key, partition))
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
    # Beside the findings, before the state: a crash between the two commits reruns both.
    index = ptables.write_partition(
        vault.dataset_url(spec.name, subject_index.INDEX_ZONE),
        subject_index.INDEX_SCHEMA,
        pa.concat_tables([subject_index.INDEX_SCHEMA.empty_table(), *indexed]).to_batches(),
        partition,
        storage_options=_options(vault),
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
            "code": code,  # lets an erasure record the inputs of the records it leaves
            "subject_index_version": index.delta_version,
            "subject_index_rows": index.rows,
        },
    )
    store.put(state)
    return FindingsResult.from_state(state, url, skipped=False)
