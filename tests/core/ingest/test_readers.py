"""Row-level parsing: every malformed row refused with the right reason, good rows kept."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vault_core.ingest.readers import RejectReason, parse_file


def _reasons(data: bytes, fmt: str) -> list[RejectReason | None]:
    return [row.reason for row in parse_file(data, fmt, "memory://x")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"a": 1}', None),
        (b'{"a": ', RejectReason.INVALID_JSON),
        (b"[1, 2]", RejectReason.NOT_AN_OBJECT),
        (b'"text"', RejectReason.NOT_AN_OBJECT),
        (b'{"a": "\xff\xfe"}', RejectReason.INVALID_UTF8),
    ],
)
def test_when_jsonl_line_is_parsed_then_reason_matches(
    line: bytes, reason: RejectReason | None
) -> None:
    assert _reasons(line + b"\n", "jsonl") == [reason]


def test_when_jsonl_has_blank_lines_then_they_are_not_rows_and_lines_are_numbered() -> None:
    rows = list(parse_file(b'{"a": 1}\n\n   \n{"a": 2}\n', "jsonl", "memory://x"))
    assert [row.line for row in rows] == [1, 4]


def test_when_jsonl_value_is_not_a_string_then_it_keeps_its_json_text() -> None:
    (row,) = parse_file(b'{"n": 3, "b": true, "o": {"k": [1]}, "z": null}', "jsonl", "m://x")
    assert row.values == {"n": "3", "b": "true", "o": '{"k": [1]}', "z": None}


def test_when_csv_rows_have_wrong_field_count_then_refused_with_counts() -> None:
    data = b'id,name\n1,ann\n2\n3,bob,extra\n4,"quoted, comma"\n'
    rows = list(parse_file(data, "csv", "memory://x"))
    assert [row.reason for row in rows] == [
        None,
        RejectReason.FIELD_COUNT,
        RejectReason.FIELD_COUNT,
        None,
    ]
    assert rows[1].detail == "expected 2 fields, got 1"
    assert rows[3].values == {"id": "4", "name": "quoted, comma"}


def test_when_csv_row_is_not_utf8_then_refused_and_others_kept() -> None:
    rows = list(parse_file(b"id,name\n1,ann\n2,b\xffb\n", "csv", "memory://x"))
    assert [row.reason for row in rows] == [None, RejectReason.INVALID_UTF8]


def test_when_csv_row_is_refused_then_detail_never_contains_the_value() -> None:
    rows = list(parse_file(b"id,email\n1,ann@example.com,extra\n", "csv", "memory://x"))
    assert "ann@example.com" not in rows[0].detail


def test_when_parquet_is_read_then_types_are_kept() -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"n": [1, 2], "s": ["a", None]}), sink)
    rows = list(parse_file(sink.getvalue(), "parquet", "memory://x"))
    assert [row.values for row in rows] == [{"n": 1, "s": "a"}, {"n": 2, "s": None}]


def test_when_parquet_is_corrupt_then_one_unreadable_file_reject() -> None:
    assert _reasons(b"PAR1 not really parquet", "parquet") == [RejectReason.UNREADABLE_FILE]


def test_when_txt_is_read_then_one_document_per_file() -> None:
    (row,) = parse_file("héllo\nworld".encode(), "txt", "memory://docs/a.txt")
    assert row.values == {"source_path": "memory://docs/a.txt", "text": "héllo\nworld"}
    assert _reasons(b"\xff", "txt") == [RejectReason.INVALID_UTF8]
