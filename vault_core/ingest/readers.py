"""Parse landing files row by row as they stream in: one bad row is refused, the rest survive.

csv and jsonl are parsed with the standard library on purpose: Arrow's bulk readers reject a whole
file (or drop rows) on one bad line, while we must keep every good row and say why each bad one
was refused. Values from csv and jsonl are kept as text (JSON scalars as their JSON text). Every
physical line is accounted for (see :class:`ParsedFile`); any failure a reader did not foresee
turns the file (or, when streaming, its unread rest) into one ``unreadable_file`` row naming the
error type, never a crash.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator

import pyarrow.parquet as pq

from vault_core.ingest._csv import CSV_FIELD_LIMIT as CSV_FIELD_LIMIT
from vault_core.ingest._csv import iter_csv
from vault_core.ingest._jsonl import iter_jsonl, iter_jsonl_blocks
from vault_core.ingest._lines import CHUNK_SIZE, BinaryReader, read_chunks
from vault_core.ingest._names import value_like_position
from vault_core.ingest._parsed import BLOCK_ROWS, in_blocks, unreadable
from vault_core.ingest._parsed import FlatRows as FlatRows
from vault_core.ingest._parsed import ParsedFile as ParsedFile
from vault_core.ingest._parsed import ParsedRow as ParsedRow
from vault_core.ingest._parsed import RejectReason as RejectReason
from vault_core.ingest._parsed import RowBlock as RowBlock

FORMATS = ("csv", "jsonl", "parquet", "txt")


def iter_parquet(
    handle: BinaryReader, parsed: ParsedFile, whole_file: Callable[[], bytes], batch_rows: int
) -> Iterator[ParsedRow]:
    """A Parquet file keeps its own types (one physical line per row); read in record batches.

    Columns named twice or named like a value (see :mod:`._names`) refuse every row of the file;
    the first refusal carries ``whole_file()``, the others nothing.
    """
    parquet = pq.ParquetFile(handle)
    schema = parquet.schema_arrow
    names = schema.names
    parsed.physical_lines = parquet.metadata.num_rows
    parsed.columns, parsed.types = list(names), {f.name: f.type for f in schema}
    suspect = value_like_position(names)
    if len(set(names)) != len(names):
        reason, detail = RejectReason.DUPLICATE_COLUMN, "two columns have the same name"
    elif suspect is not None:
        reason, detail = RejectReason.VALUE_LIKE_NAME, f"column {suspect} is named like a value"
    else:
        number = 0
        for batch in parquet.iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                number += 1
                yield ParsedRow(number, row)
        return
    # Refuse every row without reading its values; the first reject seals the whole file.
    parsed.columns, parsed.types = [], {}
    detail = f"{detail}: every row of the file is quarantined"
    for number in range(1, parsed.physical_lines + 1):
        yield ParsedRow(number, None, reason, detail, whole_file() if number == 1 else b"")


def iter_txt(chunks: Iterable[bytes], parsed: ParsedFile, source_url: str) -> Iterator[ParsedRow]:
    """A text file is one document: ``source_path`` and ``text`` (one row, whatever its lines)."""
    data = b"".join(chunks)  # one row: the document is held whole by nature
    parsed.columns, parsed.physical_lines = ["source_path", "text"], 1
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield ParsedRow(None, None, RejectReason.INVALID_UTF8, "file is not UTF-8", data)
        return
    yield ParsedRow(1, {"source_path": source_url, "text": text})


def iter_rows(
    handle: BinaryReader,
    fmt: str,
    source_url: str,
    parsed: ParsedFile,
    *,
    whole_file: Callable[[], bytes],
    chunk_size: int = CHUNK_SIZE,
    batch_rows: int = 20_000,
) -> Iterator[ParsedRow]:
    """Rows of one file read from ``handle`` as they come; line counts go into ``parsed``.

    csv, jsonl and txt read ``handle`` once from start to end, ``chunk_size`` bytes at a time;
    Parquet seeks (footer first). ``parsed`` is final once the iterator is exhausted. Any
    failure a reader did not foresee is raised: the caller refuses the file (or its rest).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    if fmt == "parquet":
        return iter_parquet(handle, parsed, whole_file, batch_rows)
    chunks = read_chunks(handle, chunk_size)
    if fmt == "jsonl":
        return iter_jsonl(chunks, parsed)
    if fmt == "csv":
        return iter_csv(chunks, parsed)
    return iter_txt(chunks, parsed, source_url)


def iter_row_blocks(
    handle: BinaryReader,
    fmt: str,
    source_url: str,
    parsed: ParsedFile,
    *,
    whole_file: Callable[[], bytes],
    chunk_size: int = CHUNK_SIZE,
    batch_rows: int = 20_000,
) -> Iterator[RowBlock]:
    """The rows of :func:`iter_rows` in lists of at most :data:`BLOCK_ROWS` and a quarter of
    ``batch_rows`` (so a block adds at most a quarter batch to memory). JSON Lines reads whole
    blocks (runs of certified rows as :class:`FlatRows`); the other formats are grouped as they
    come."""
    block_rows = min(BLOCK_ROWS, -(-batch_rows // 4))
    if fmt == "jsonl":
        return iter_jsonl_blocks(read_chunks(handle, chunk_size), parsed, block_rows)
    rows = iter_rows(
        handle,
        fmt,
        source_url,
        parsed,
        whole_file=whole_file,
        chunk_size=chunk_size,
        batch_rows=batch_rows,
    )
    return in_blocks(rows, block_rows)


def read_parquet(data: bytes) -> ParsedFile:
    """A whole Parquet file (see :func:`iter_parquet`)."""
    parsed = ParsedFile()
    parsed.rows = list(iter_parquet(io.BytesIO(data), parsed, lambda: data, 1 << 16))
    return parsed


def read_txt(data: bytes, source_url: str) -> ParsedFile:
    """A whole text file (see :func:`iter_txt`)."""
    parsed = ParsedFile()
    parsed.rows = list(iter_txt([data], parsed, source_url))
    return parsed


def parse_file(data: bytes, fmt: str, source_url: str) -> ParsedFile:
    """A whole file in memory; a file that cannot be parsed is one refused row."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    parsed = ParsedFile()
    try:
        parsed.rows = list(
            iter_rows(io.BytesIO(data), fmt, source_url, parsed, whole_file=lambda: data)
        )
    except Exception as exc:  # fail closed: any parser failure quarantines the file
        return unreadable(exc, data)
    return parsed
