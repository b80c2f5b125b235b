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


# Issue 12, fail closed: each hostile input is a refused row with its reason, never a crash.


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", RejectReason.TOO_DEEP),
        (b'{"a": ' + b"7" * 5000 + b"}", RejectReason.INVALID_NUMBER),
        (b'{"a": NaN}', RejectReason.INVALID_NUMBER),
        (b'{"a": -Infinity}', RejectReason.INVALID_NUMBER),
        (b'{"a": 1e999}', RejectReason.INVALID_NUMBER),
        (b'{"a": "\\ud800"}', RejectReason.INVALID_UNICODE),
        (b'{"\\udc00": 1}', RejectReason.INVALID_UNICODE),
        (b'{"a": 1, "a": 2}', RejectReason.DUPLICATE_KEY),
        (b'{"o": {"k": 1, "k": 2}}', RejectReason.DUPLICATE_KEY),
        (b'{"ann@example.com": 1}', RejectReason.VALUE_LIKE_NAME),
        (b'{"a": "\\ud83d\\ude00", "big": 123456789012345678901234567890}', None),
    ],
)
def test_when_jsonl_line_is_hostile_then_refused_with_reason(
    line: bytes, reason: RejectReason | None
) -> None:
    assert _reasons(line + b"\n", "jsonl") == [reason]


def test_when_jsonl_starts_with_bom_then_first_row_is_kept() -> None:
    (row,) = parse_file(b'\xef\xbb\xbf{"a": 1}\n', "jsonl", "m://x")
    assert row.values == {"a": "1"}


def test_when_jsonl_has_a_lone_cr_then_it_breaks_the_line() -> None:
    parsed = parse_file(b'{"a": 1}\r{"a": 2}\r\n{"a": 3}', "jsonl", "m://x")
    assert [row.values for row in parsed] == [{"a": "1"}, {"a": "2"}, {"a": "3"}]
    assert parsed.physical_lines == 3


def test_when_csv_quote_is_never_closed_then_only_its_line_is_refused() -> None:
    parsed = parse_file(b'id,v\n1,"ann\n2,bob\n3,carl\n', "csv", "m://x")
    assert [(row.line, row.reason) for row in parsed] == [
        (2, RejectReason.UNCLOSED_QUOTE),
        (3, None),
        (4, None),
    ]


def test_when_csv_text_follows_a_closing_quote_then_the_swallowed_rows_are_read_again() -> None:
    parsed = parse_file(b'id,v\n1,"a\n2,b\n3,"c"d\n4,e\n', "csv", "m://x")
    assert [(row.line, row.reason) for row in parsed] == [
        (2, RejectReason.MALFORMED_QUOTE),
        (3, None),
        (4, RejectReason.MALFORMED_QUOTE),
        (5, None),
    ]


def test_when_csv_quoted_value_spans_lines_then_kept_and_lines_counted() -> None:
    parsed = parse_file(b'id,v\n1,"a\nb"\n2,c\n', "csv", "m://x")
    assert [row.values for row in parsed] == [{"id": "1", "v": "a\nb"}, {"id": "2", "v": "c"}]
    assert (parsed.physical_lines, parsed.header_lines, parsed.continuation_lines) == (4, 1, 1)


def test_when_csv_has_a_lone_cr_then_it_breaks_the_row() -> None:
    parsed = parse_file(b"id,v\r1,a\r2,b", "csv", "m://x")
    assert [row.values for row in parsed] == [{"id": "1", "v": "a"}, {"id": "2", "v": "b"}]


def test_when_csv_field_is_over_128_kib_then_it_is_kept() -> None:
    (row,) = parse_file(b"id,v\n1," + b"x" * 200_000 + b"\n", "csv", "m://x")
    assert row.values is not None
    assert len(row.values["v"]) == 200_000


def test_when_csv_field_is_over_the_limit_then_row_refused_and_next_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("vault_core.ingest._csv.CSV_FIELD_LIMIT", 1000)
    data = b"id,v\n1," + b"x" * 2000 + b"\n2,y\n"
    assert _reasons(data, "csv") == [RejectReason.FIELD_TOO_LARGE, None]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"id,na\xffme\n1,a\n2,b\n", RejectReason.INVALID_HEADER),
        (b"i\x00d\x00,\x00v\x00\n1,a\n2,b\n", RejectReason.INVALID_HEADER),
        (b'id,"v\n1,a\n2,b\n', RejectReason.INVALID_HEADER),
        (b"id,v,v\n1,a,b\n2,b,c\n", RejectReason.DUPLICATE_COLUMN),
        (b"ann@example.com,219-09-9999\n1,a\n2,b\n", RejectReason.VALUE_LIKE_NAME),
    ],
)
def test_when_csv_header_is_unusable_then_every_row_is_refused(
    data: bytes, reason: RejectReason
) -> None:
    parsed = parse_file(data, "csv", "m://x")
    assert [row.reason for row in parsed] == [reason, reason]
    assert parsed.columns == []
    assert parsed.header_lines + len(parsed.rows) + parsed.blank_lines == parsed.physical_lines


def test_when_csv_row_has_a_nul_then_refused() -> None:
    assert _reasons(b"id,v\n1,a\x00b\n2,c\n", "csv") == [RejectReason.NUL_CHARACTER, None]


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"id,v\n", b"\xef\xbb\xbfid,v\r\n\r\n"],
)
def test_when_csv_has_no_rows_then_no_rows_and_header_columns_known(data: bytes) -> None:
    parsed = parse_file(data, "csv", "m://x")
    assert parsed.rows == []
    assert parsed.columns == (["id", "v"] if b"id" in data else [])


def test_when_parquet_has_a_column_twice_then_every_row_refused() -> None:
    sink = io.BytesIO()
    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4])], names=["a", "a"])
    pq.write_table(table, sink)
    assert _reasons(sink.getvalue(), "parquet") == [RejectReason.DUPLICATE_COLUMN] * 2


def test_when_parquet_is_truncated_then_unreadable_file_names_the_type_only() -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"email": ["ann@example.com"] * 20}), sink)
    (row,) = parse_file(sink.getvalue()[:-30], "parquet", "m://x")
    assert row.reason == RejectReason.UNREADABLE_FILE
    assert "ann@example.com" not in row.detail
