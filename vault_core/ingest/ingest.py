"""Ingest a dataset's landing files into one Arrow table of records plus a list of rejects.

Every row read is accounted for: it becomes a record or a reject with a reason, so
``rows_in == records + rejects`` always holds. A record's id is a keyed digest of its values, which
makes reruns idempotent; an exact repeat of an earlier row is refused as ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from vault_core.digest import canonical_row_bytes, keyed_record_id
from vault_core.ingest.readers import ParsedRow, RejectReason, parse_file
from vault_core.ingest.sources import SourceFile, iter_source_files

RECORD_ID = "record_id"


@dataclass(frozen=True)
class Reject:
    """A refused row: where it came from and why. ``raw`` must only ever be stored sealed."""

    source_url: str
    line: int | None
    reason: RejectReason
    detail: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class IngestResult:
    """Records (``record_id`` first, sorted by it), their origins, the rejects and the sources."""

    records: pa.Table
    origins: pa.Table
    rejects: list[Reject]
    sources: list[SourceFile]

    @property
    def rows_in(self) -> int:
        """Rows read from the landing files (records plus rejects)."""
        return int(self.records.num_rows) + len(self.rejects)


def _missing_required(values: dict[str, Any], required: Sequence[str]) -> list[str]:
    return [name for name in required if values.get(name) in (None, "")]


def ingest(
    source: str,
    fmt: str,
    *,
    record_key: bytes,
    required_columns: Sequence[str] = (),
    storage_options: dict[str, Any] | None = None,
) -> IngestResult:
    """Read every file matching ``source`` and split its rows into records and rejects.

    Args:
        source: fsspec URL or glob of the landing files.
        fmt: ``csv``, ``jsonl``, ``parquet`` or ``txt``.
        record_key: key for record ids (from the key provider, so ids cannot be guessed).
        required_columns: columns that must be present and non-empty.
        storage_options: fsspec options for ``source``.
    """
    rows: list[dict[str, Any]] = []
    origins: dict[str, list[Any]] = {RECORD_ID: [], "source_url": [], "source_line": []}
    rejects: list[Reject] = []
    sources: list[SourceFile] = []
    columns: dict[str, None] = {}  # insertion-ordered union of every column seen
    seen: set[str] = set()

    def refuse(parsed: ParsedRow, url: str, reason: RejectReason, detail: str, raw: bytes) -> None:
        rejects.append(Reject(url, parsed.line, reason, detail, raw))

    for source_file, data in iter_source_files(source, storage_options):
        sources.append(source_file)
        for parsed in parse_file(data, fmt, source_file.url):
            if parsed.values is None:
                assert parsed.reason is not None
                refuse(parsed, source_file.url, parsed.reason, parsed.detail, parsed.raw)
                continue
            if RECORD_ID in parsed.values:  # our id column wins; keep the source's under a new name
                parsed.values[f"source_{RECORD_ID}"] = parsed.values.pop(RECORD_ID)
            row_bytes = canonical_row_bytes(parsed.values, sorted(parsed.values))
            missing = _missing_required(parsed.values, required_columns)
            if missing:
                detail = f"missing or empty required column(s) {missing}"
                refuse(parsed, source_file.url, RejectReason.MISSING_REQUIRED, detail, row_bytes)
                continue
            record_id = keyed_record_id(row_bytes, record_key)
            if record_id in seen:
                detail = f"exact repeat of record {record_id}"
                refuse(parsed, source_file.url, RejectReason.DUPLICATE, detail, b"")
                continue
            seen.add(record_id)
            columns.update(dict.fromkeys(parsed.values))
            rows.append({RECORD_ID: record_id, **parsed.values})
            origins[RECORD_ID].append(record_id)
            origins["source_url"].append(source_file.url)
            origins["source_line"].append(parsed.line)

    records = _records_table(rows, list(columns), text_only=fmt in ("csv", "jsonl", "txt"))
    origin_table = pa.table(
        {
            RECORD_ID: pa.array(origins[RECORD_ID], pa.string()),
            "source_url": pa.array(origins["source_url"], pa.string()),
            "source_line": pa.array(origins["source_line"], pa.int64()),
        }
    )
    return IngestResult(
        records=records.sort_by(RECORD_ID),
        origins=origin_table.sort_by(RECORD_ID),
        rejects=rejects,
        sources=sources,
    )


def _records_table(rows: list[dict[str, Any]], columns: list[str], *, text_only: bool) -> pa.Table:
    if not text_only and rows:
        table = pa.Table.from_pylist(rows)
        return table.select([RECORD_ID, *columns]) if rows else table
    arrays = {RECORD_ID: pa.array([row[RECORD_ID] for row in rows], pa.string())}
    for name in columns:
        arrays[name] = pa.array([row.get(name) for row in rows], pa.string())
    return pa.table(arrays)
