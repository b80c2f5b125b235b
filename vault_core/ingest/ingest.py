"""Ingest a dataset's landing files into one Arrow table of records plus a list of rejects.

Every row read is accounted for: it becomes a record or a reject with a reason, so
``rows_in == records + rejects`` always holds, and every physical line of every file is counted
(:class:`FileCounts`), so a row swallowed by a quote or merged by a CR cannot go unnoticed. A
record's id is a keyed digest of its values under their source column names, which makes reruns
idempotent; an exact repeat of an earlier row is refused as ``duplicate``. Column names are made
safe for Delta Lake (see :mod:`vault_core.ingest._records`): nothing a file holds makes ingest
crash, and no reject detail quotes a value or a column name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from vault_core.ingest._schema import conform
from vault_core.ingest.sources import SourceFile
from vault_core.ingest.stream import RECORD_ID as RECORD_ID
from vault_core.ingest.stream import FileCounts as FileCounts
from vault_core.ingest.stream import Reject as Reject
from vault_core.ingest.stream import ingest_stream

_ORIGINS = pa.schema(
    [(RECORD_ID, pa.string()), ("source_url", pa.string()), ("source_line", pa.int64())]
)


@dataclass(frozen=True)
class IngestResult:
    """Records (``record_id`` first, sorted by it), their origins, the rejects and the sources."""

    records: pa.Table
    origins: pa.Table
    rejects: list[Reject]
    sources: list[SourceFile]
    files: list[FileCounts] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Rows read from the landing files (records plus rejects)."""
        return int(self.records.num_rows) + len(self.rejects)

    @property
    def physical_rows(self) -> int:
        """Rows of all files counted by line: ``rows_in + blank_lines`` when all reconcile."""
        return sum(counts.physical_rows for counts in self.files)

    @property
    def blank_lines(self) -> int:
        """Blank lines of all files (counted, not rows)."""
        return sum(counts.blank_lines for counts in self.files)


def ingest(
    source: str | Sequence[str],
    fmt: str,
    *,
    record_key: bytes,
    required_columns: Sequence[str] = (),
    storage_options: dict[str, Any] | None = None,
) -> IngestResult:
    """Read every file matching ``source`` and split its rows into records and rejects.

    The whole result is in memory: this concatenates :func:`ingest_stream`'s batches, each
    conformed to the stream's final schema, and sorts them by record id.

    Args:
        source: fsspec URL or glob of the landing files.
        fmt: ``csv``, ``jsonl``, ``parquet`` or ``txt``.
        record_key: key for record ids (from the key provider, so ids cannot be guessed).
        required_columns: source columns that must be present and non-empty.
        storage_options: fsspec options for ``source``.
    """
    stream = ingest_stream(
        [source] if isinstance(source, str) else list(source),
        fmt,
        record_key=record_key,
        required_columns=required_columns,
        storage_options=storage_options,
    )
    batches = list(stream)
    schema = stream.columns
    records = pa.concat_tables(
        [schema.empty_table(), *(conform(batch.records, schema) for batch in batches)]
    )
    origins = pa.concat_tables(
        [_ORIGINS.empty_table(), *(batch.origins.cast(_ORIGINS) for batch in batches)]
    )
    return IngestResult(
        records=records.combine_chunks().sort_by(RECORD_ID),
        origins=origins.combine_chunks().sort_by(RECORD_ID),
        rejects=[reject for batch in batches for reject in batch.rejects],
        sources=stream.sources,
        files=stream.files,
    )
