"""JSON Lines read a block at a time: the same rows as line by line, the same batches as row by row.

The block reader (``_block_rows``) hands certified rows on as :class:`FlatRows` runs, which the
stream takes a run at a time; both must give exactly what the per-line reference gives: rows,
record ids, rejects (reason, detail, line, raw bytes), batch boundaries and line counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_core.ingest import ingest_stream
from vault_core.ingest import stream as stream_module
from vault_core.ingest._jsonl import _fast_row, _parse_line, iter_jsonl, iter_jsonl_blocks
from vault_core.ingest._parsed import FlatRows, ParsedFile, ParsedRow, RowBlock

KEY = bytes(range(32))

TRICKY_LINES = [
    b'{"id": "1", "body": "plain"}',
    b'{"body": "plain", "id": "1"}',  # the same record with its keys in another order
    b'{"id": "2", "body": "caf\\u00e9 \\ud83d\\ude00 \\/ \\" \\n"}',  # escapes
    b'{"id": "3"}',  # missing required body
    b'{"id": "4", "body": null}',  # null required body
    b'{"id": "5", "body": ""}',  # empty required body
    b'{"id": "6", "body": "x", "extra": 1.0}',  # float: the reference's text
    b'{"id": "7", "body": "x", "n": 1e3}',
    b'{"id": "8", "body": "x", "n": -0}',
    b'{"id": "9", "body": "x", "n": 123456789012345678901234567890}',  # beyond 64 bits
    b'{"id": "10", "body": "x", "n": 18446744073709551615, "t": true, "f": false}',
    b'{"id": "11", "body": "x", "id": "12"}',  # duplicate key
    b'{"id": "13", "body": "a:b", "id": "c:d"}',  # duplicate key with colons in values
    b'{"id": "14", "body": "\\u003a", "body": "y"}',  # escaped colon hides a repeat
    b'{"id": "15", "body": {"a": 1, "a": 2}}',  # nested duplicate
    b'{"id": "16", "body": [1, {"b": null}]}',  # nested
    b'{"id": "17", "body": "\\ud800"}',  # lone surrogate
    b'{"id": "18", "body": "\xff"}',  # not UTF-8
    b'{"jane@example.com": "x", "id": "19", "body": "y"}',  # key named like a value
    b'{"id": "20", "body": NaN}',
    b'{"id": "21", "body": ',  # malformed
    b"[1, 2]",  # not an object
    b'"text"',
    b"",
    b"   \t",
    b"{}",
    b'{"id": "22", "body": "x", "new_col": "later"}',  # a new column in the middle of a run
    b' {"id" : "23" , "body":"spaced"} ',
    b'{"id": "1", "body": "plain"}',  # exact repeat of the first record
    b'{"ID": "24", "body": "case"}',  # a name equal up to case
    b'{"record_id": "25", "body": "reserved"}',
]


def _reference(data: bytes) -> tuple[list[ParsedRow], int]:
    """Rows and blank lines of the per-line path (the fast row, else the reference parser)."""
    rows: list[ParsedRow] = []
    blank = 0
    plain: set[str] = set()
    for number, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), 1):
        row = _fast_row(number, line, plain)
        if row is None:
            if not line.strip():
                blank += 1
                continue
            row = _parse_line(number, line)
        rows.append(row)
    return rows, blank


def _lines_file(lines: list[bytes], ending: bytes = b"\n", bom: bool = False) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + ending.join(lines) + ending


@pytest.mark.parametrize("block_rows", [1, 3, 7, 2048])
@pytest.mark.parametrize(("ending", "bom"), [(b"\n", False), (b"\r\n", True), (b"\r", False)])
def test_when_tricky_lines_are_read_in_blocks_then_rows_equal_the_per_line_path(
    block_rows: int, ending: bytes, bom: bool
) -> None:
    data = _lines_file(TRICKY_LINES * 3, ending, bom)
    parsed = ParsedFile()
    blocks = list(iter_jsonl_blocks([data[:50], data[50:]], parsed, block_rows))
    rows = [row for block in blocks for row in _rows(block)]
    expected, blank = _reference(data)
    assert rows == expected  # values, canonical bytes, reasons and details, line numbers
    assert [list(row.values or {}) for row in rows] == [list(row.values or {}) for row in expected]
    assert parsed.blank_lines == blank
    assert parsed.physical_lines == len(TRICKY_LINES) * 3
    assert any(isinstance(block, FlatRows) for block in blocks)


def _rows(block: RowBlock) -> list[ParsedRow]:
    return list(block.rows()) if isinstance(block, FlatRows) else block


_KEYS = st.sampled_from(["a", "b", "c", "a:b", "é", "\u2028", 'q"', "x\\y"])
_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(st.characters(codec="utf-8"), max_size=6)
    | st.just({"a": 1})
)


def _object_line(members: list[tuple[str, object]], ascii_only: bool) -> bytes:
    # Written member by member so keys may repeat, as a hostile writer can.
    body = ", ".join(
        f"{json.dumps(k, ensure_ascii=ascii_only)}: {json.dumps(v, ensure_ascii=ascii_only)}"
        for k, v in members
    )
    return ("{" + body + "}").encode("utf-8", "surrogatepass")


def _read_beside_reference(
    lines: list[bytes], block_rows: int
) -> tuple[bytes, list[ParsedRow], ParsedFile, list[ParsedRow], int]:
    """The file of ``lines``, its rows read in blocks, what the read counted, and the rows and
    blank lines of the per-line path."""
    data = _lines_file(lines)
    parsed = ParsedFile()
    rows = [row for block in iter_jsonl_blocks([data], parsed, block_rows) for row in _rows(block)]
    expected, blank = _reference(data)
    return data, rows, parsed, expected, blank


_LINES = st.one_of(
    st.builds(_object_line, st.lists(st.tuples(_KEYS, _VALUES), max_size=4), st.booleans()),
    st.sampled_from(TRICKY_LINES),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=12), st.integers(1, 5))
def test_when_any_lines_are_read_in_blocks_then_rows_equal_the_per_line_path(
    lines: list[bytes], block_rows: int
) -> None:
    data, rows, parsed, expected, blank = _read_beside_reference(lines, block_rows)
    assert rows == expected
    assert parsed.blank_lines == blank
    assert list(iter_jsonl([data], ParsedFile())) == expected


_SHAPED = st.lists(_KEYS, max_size=4).flatmap(
    lambda keys: st.lists(
        st.builds(
            _object_line,
            st.tuples(*[st.tuples(st.just(key), _VALUES) for key in keys]).map(list),
            st.booleans(),
        )
        | st.sampled_from(TRICKY_LINES),
        max_size=40,
    )
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_SHAPED, st.sampled_from([7, 2048]))
def test_when_lines_share_their_keys_then_rows_equal_the_per_line_path(
    lines: list[bytes], block_rows: int
) -> None:
    # Most lines of one shape (the same keys in the same order, a key maybe repeated), values
    # of every type mixed in each column: the column-wise certification of _block_rows.
    _, rows, parsed, expected, blank = _read_beside_reference(lines, block_rows)
    assert rows == expected
    assert [list(row.values or {}) for row in rows] == [list(row.values or {}) for row in expected]
    assert parsed.blank_lines == blank


def _one_by_one(blocks: Iterator[RowBlock]) -> Iterator[RowBlock]:
    """The reader's blocks with every certified run handed on as plain rows."""
    for block in blocks:
        yield list(block.rows()) if isinstance(block, FlatRows) else block


def _batches(folder: Path, batch_rows: int) -> list[tuple[object, ...]]:
    stream = ingest_stream(
        [str(folder / "*.jsonl")],
        "jsonl",
        record_key=KEY,
        required_columns=["id", "body"],
        batch_rows=batch_rows,
        chunk_size=64,
    )
    batches = [
        (
            batch.records,
            batch.origins,
            [(r.source_url, r.line, r.reason, r.detail, r.raw) for r in batch.rejects],
        )
        for batch in stream
    ]
    return [*batches, stream.columns, stream.files, stream.rows_in]


@pytest.mark.parametrize("batch_rows", [1, 4, 9, 20_000])
def test_when_runs_are_taken_at_once_then_batches_equal_taking_them_row_by_row(
    tmp_path: Path, batch_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [*TRICKY_LINES, *(f'{{"id": "r{i}", "body": "row {i}"}}'.encode() for i in range(30))]
    (tmp_path / "a.jsonl").write_bytes(_lines_file(lines * 2, b"\r\n", bom=True))
    (tmp_path / "b.jsonl").write_bytes(_lines_file(list(reversed(lines))))
    at_once = _batches(tmp_path, batch_rows)
    reader = stream_module.iter_row_blocks
    monkeypatch.setattr(
        stream_module, "iter_row_blocks", lambda *a, **k: _one_by_one(reader(*a, **k))
    )
    row_by_row = _batches(tmp_path, batch_rows)
    assert len(at_once) == len(row_by_row)
    for got, expected in zip(at_once, row_by_row, strict=True):
        assert got == expected
