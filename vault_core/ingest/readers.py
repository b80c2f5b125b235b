"""Parse landing files row by row, so one malformed row is quarantined and the rest survive.

csv and jsonl are parsed with the standard library on purpose: Arrow's bulk readers reject a whole
file (or drop rows) on one bad line, while we must keep every good row and say why each bad one
was refused. Values from csv and jsonl are kept as text (JSON scalars as their JSON text).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyarrow.parquet as pq


class RejectReason(StrEnum):
    """Why a row went to quarantine (stable codes; messages add detail without values)."""

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    FIELD_COUNT = "field_count"
    INVALID_UTF8 = "invalid_utf8"
    MISSING_REQUIRED = "missing_required"
    DUPLICATE = "duplicate"
    UNREADABLE_FILE = "unreadable_file"


@dataclass(frozen=True)
class ParsedRow:
    """One row of a file: its values, or why it was refused (``raw`` is kept only to be sealed)."""

    line: int | None
    values: dict[str, Any] | None
    reason: RejectReason | None = None
    detail: str = ""
    raw: bytes = b""


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def read_jsonl(data: bytes) -> Iterator[ParsedRow]:
    """One JSON object per line; blank lines are not rows."""
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            yield ParsedRow(number, None, RejectReason.INVALID_UTF8, "line is not UTF-8", raw_line)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            detail = f"{exc.msg} at column {exc.colno}"
            yield ParsedRow(number, None, RejectReason.INVALID_JSON, detail, raw_line)
            continue
        if not isinstance(obj, dict):
            detail = f"expected a JSON object, got {type(obj).__name__}"
            yield ParsedRow(number, None, RejectReason.NOT_AN_OBJECT, detail, raw_line)
            continue
        yield ParsedRow(number, {str(k): _json_text(v) for k, v in obj.items()})


def _has_undecodable(fields: list[str]) -> bool:
    return any("\udc80" <= char <= "\udcff" for field in fields for char in field)


def _csv_raw(fields: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    return buffer.getvalue().encode("utf-8", "surrogateescape")


def read_csv(data: bytes) -> Iterator[ParsedRow]:
    """CSV with a header row; a row with the wrong number of fields is refused."""
    text = data.decode("utf-8", "surrogateescape").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    for fields in reader:
        line = reader.line_num
        if not fields:
            continue
        if _has_undecodable(fields):
            yield ParsedRow(
                line, None, RejectReason.INVALID_UTF8, "row is not UTF-8", _csv_raw(fields)
            )
        elif len(fields) != len(header):
            detail = f"expected {len(header)} fields, got {len(fields)}"
            yield ParsedRow(line, None, RejectReason.FIELD_COUNT, detail, _csv_raw(fields))
        else:
            yield ParsedRow(line, dict(zip(header, fields, strict=True)))


def read_parquet(data: bytes) -> Iterator[ParsedRow]:
    """A Parquet file keeps its own types; an unreadable file is one refused row."""
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        yield ParsedRow(None, None, RejectReason.UNREADABLE_FILE, type(exc).__name__, data)
        return
    for number, row in enumerate(table.to_pylist(), start=1):
        yield ParsedRow(number, row)


def read_txt(data: bytes, source_path: str) -> Iterator[ParsedRow]:
    """A text file is one document: ``source_path`` and ``text``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield ParsedRow(None, None, RejectReason.INVALID_UTF8, "file is not UTF-8", data)
        return
    yield ParsedRow(1, {"source_path": source_path, "text": text})


def parse_file(data: bytes, fmt: str, source_url: str) -> Iterator[ParsedRow]:
    """Dispatch on the dataset format."""
    if fmt == "jsonl":
        return read_jsonl(data)
    if fmt == "csv":
        return read_csv(data)
    if fmt == "parquet":
        return read_parquet(data)
    if fmt == "txt":
        return read_txt(data, source_url)
    raise ValueError(f"unsupported format {fmt!r}")
