"""Record ids erased from a dataset, kept so that no later ingest brings them back.

Record ids are keyed digests of a row's content: an erased row still in the landing files gets
the same id when a changed file or new code makes its partition ingest again, and the raw stage
drops it (counted as ``erased``). The table holds ids and erasure ids only, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable

import deltalake
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.storage_options import delta_options
from vault_core.tables import TableNotFoundError, read_table

TOMBSTONES_ZONE = "_erased"
SCHEMA = pa.schema([("record_id", pa.string()), ("erasure_id", pa.string())])


def add(
    url: str,
    record_ids: Iterable[str],
    erasure_id: str,
    storage_options: dict[str, str] | None = None,
) -> int:
    """Append ``record_ids`` (those not already there for this erasure); how many were added."""
    known = load(url, storage_options, erasure_id=erasure_id)
    new = sorted(set(record_ids) - known)
    if not new:
        return 0
    table = pa.table({"record_id": new, "erasure_id": [erasure_id] * len(new)}, schema=SCHEMA)
    deltalake.write_deltalake(
        url, table, mode="append", storage_options=delta_options(storage_options, url)
    )
    return len(new)


def load(
    url: str, storage_options: dict[str, str] | None = None, *, erasure_id: str | None = None
) -> set[str]:
    """The erased record ids (of one erasure, or of all)."""
    try:
        table = read_table(url, storage_options=storage_options)
    except TableNotFoundError:
        return set()
    if erasure_id is not None:
        table = table.filter(pc.equal(table["erasure_id"], erasure_id))
    return {str(rid) for rid in table["record_id"].to_pylist()}
