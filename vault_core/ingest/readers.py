"""Parse landing files row by row, so one malformed row is quarantined and the rest survive.

csv and jsonl are parsed with the standard library on purpose: Arrow's bulk readers reject a whole
file (or drop rows) on one bad line, while we must keep every good row and say why each bad one
was refused. Values from csv and jsonl are kept as text (JSON scalars as their JSON text). Every
physical line is accounted for (see :class:`ParsedFile`); any failure a reader did not foresee
turns the file into one ``unreadable_file`` row naming the error type, never a crash.
"""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from vault_core.ingest._csv import CSV_FIELD_LIMIT as CSV_FIELD_LIMIT
from vault_core.ingest._csv import read_csv
from vault_core.ingest._jsonl import read_jsonl
from vault_core.ingest._names import value_like_position
from vault_core.ingest._parsed import ParsedFile as ParsedFile
from vault_core.ingest._parsed import ParsedRow as ParsedRow
from vault_core.ingest._parsed import RejectReason as RejectReason
from vault_core.ingest._parsed import unreadable

FORMATS = ("csv", "jsonl", "parquet", "txt")


def read_parquet(data: bytes) -> ParsedFile:
    """A Parquet file keeps its own types (one physical line per row).

    Columns named twice or named like a value (see :mod:`._names`) refuse every row of the file.
    """
    table = pq.ParquetFile(io.BytesIO(data)).read()
    parsed = ParsedFile(
        columns=table.column_names,
        types={f.name: f.type for f in table.schema},
        physical_lines=table.num_rows,
    )
    suspect = value_like_position(table.column_names)
    if len(set(table.column_names)) != len(table.column_names):
        reason, detail = RejectReason.DUPLICATE_COLUMN, "two columns have the same name"
    elif suspect is not None:
        reason, detail = RejectReason.VALUE_LIKE_NAME, f"column {suspect} is named like a value"
    else:
        parsed.rows = [ParsedRow(n, row) for n, row in enumerate(table.to_pylist(), start=1)]
        return parsed
    # Refuse every row without reading its values; the first reject seals the whole file.
    for number in range(1, table.num_rows + 1):
        raw = data if number == 1 else b""
        parsed.reject(number, reason, f"{detail}: every row of the file is quarantined", raw)
    parsed.columns, parsed.types = [], {}
    return parsed


def read_txt(data: bytes, source_path: str) -> ParsedFile:
    """A text file is one document: ``source_path`` and ``text`` (one row, whatever its lines)."""
    parsed = ParsedFile(columns=["source_path", "text"], physical_lines=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.reject(None, RejectReason.INVALID_UTF8, "file is not UTF-8", data)
        return parsed
    parsed.rows.append(ParsedRow(1, {"source_path": source_path, "text": text}))
    return parsed


def parse_file(data: bytes, fmt: str, source_url: str) -> ParsedFile:
    """Dispatch on the dataset format; a file that cannot be parsed is one refused row."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    try:
        if fmt == "jsonl":
            return read_jsonl(data)
        if fmt == "csv":
            return read_csv(data)
        if fmt == "parquet":
            return read_parquet(data)
        return read_txt(data, source_url)
    except Exception as exc:  # fail closed: any parser failure quarantines the file
        return unreadable(exc, data)
