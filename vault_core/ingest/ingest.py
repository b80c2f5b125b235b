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

from vault_core.digest import canonical_row_bytes, keyed_record_id
from vault_core.ingest._records import records_table
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
class FileCounts:
    """How the physical lines of one file were used.

    ``physical_lines == header_lines + continuation_lines + blank_lines + records + rejects``:
    a line is a header line, a blank line, the first line of a row, or a further line of a row
    whose quoted CSV value spans lines. Parquet counts one line per row; a file that cannot be
    parsed counts one line (its single ``unreadable_file`` reject).
    """

    url: str
    physical_lines: int
    header_lines: int
    continuation_lines: int
    blank_lines: int
    records: int
    rejects: int

    @property
    def physical_rows(self) -> int:
        """Rows that start on a line of their own: ``records + rejects + blank_lines``."""
        return self.physical_lines - self.header_lines - self.continuation_lines

    @property
    def reconciles(self) -> bool:
        """Every physical row is a record, a reject or a blank line."""
        return self.physical_rows == self.records + self.rejects + self.blank_lines


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


def _missing_required(values: dict[str, Any], required: Sequence[str]) -> list[str]:
    return [name for name in required if values.get(name) in (None, "")]


def ingest(
    source: str | Sequence[str],
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
        required_columns: source columns that must be present and non-empty.
        storage_options: fsspec options for ``source``.
    """
    ids: list[str] = []
    rows: list[dict[str, Any]] = []
    origins: dict[str, list[Any]] = {"source_url": [], "source_line": []}
    rejects: list[Reject] = []
    sources: list[SourceFile] = []
    files: list[FileCounts] = []
    columns: dict[str, None] = {}  # insertion-ordered union of every column seen
    types: dict[str, dict[pa.DataType, None]] = {}  # typed formats: every type seen per column
    seen: set[str] = set()

    def refuse(parsed: ParsedRow, url: str, reason: RejectReason, detail: str, raw: bytes) -> None:
        rejects.append(Reject(url, parsed.line, reason, detail, raw))

    for source_file, data in iter_source_files(source, storage_options):
        sources.append(source_file)
        url = source_file.url
        parsed_file = parse_file(data, fmt, url)
        columns.update(dict.fromkeys(parsed_file.columns))
        for name, data_type in parsed_file.types.items():
            types.setdefault(name, {})[data_type] = None
        records_before, rejects_before = len(ids), len(rejects)
        for parsed in parsed_file.rows:
            if parsed.values is None:
                assert parsed.reason is not None
                refuse(parsed, url, parsed.reason, parsed.detail, parsed.raw)
                continue
            row_bytes = canonical_row_bytes(parsed.values, sorted(parsed.values))
            missing = _missing_required(parsed.values, required_columns)
            if missing:
                detail = f"missing or empty required column(s) {missing}"
                refuse(parsed, url, RejectReason.MISSING_REQUIRED, detail, row_bytes)
                continue
            record_id = keyed_record_id(row_bytes, record_key)
            if record_id in seen:
                detail = f"exact repeat of record {record_id}"
                refuse(parsed, url, RejectReason.DUPLICATE, detail, b"")
                continue
            seen.add(record_id)
            columns.update(dict.fromkeys(parsed.values))
            ids.append(record_id)
            rows.append(parsed.values)
            origins["source_url"].append(url)
            origins["source_line"].append(parsed.line)
        files.append(
            FileCounts(
                url=url,
                physical_lines=parsed_file.physical_lines,
                header_lines=parsed_file.header_lines,
                continuation_lines=parsed_file.continuation_lines,
                blank_lines=parsed_file.blank_lines,
                records=len(ids) - records_before,
                rejects=len(rejects) - rejects_before,
            )
        )

    column_types = {name: list(seen_types) for name, seen_types in types.items()}
    records = records_table(ids, rows, list(columns), column_types, RECORD_ID)
    origin_table = pa.table(
        {
            RECORD_ID: pa.array(ids, pa.string()),
            "source_url": pa.array(origins["source_url"], pa.string()),
            "source_line": pa.array(origins["source_line"], pa.int64()),
        }
    )
    return IngestResult(
        records=records.sort_by(RECORD_ID),
        origins=origin_table.sort_by(RECORD_ID),
        rejects=rejects,
        sources=sources,
        files=files,
    )
