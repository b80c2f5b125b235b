"""The JSON Lines fast path (orjson) gives exactly the reference parser's row, or defers to it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault_core.digest import canonical_row_bytes
from vault_core.ingest._jsonl import _fast_row, _parse_line
from vault_core.ingest._parsed import ParsedRow, in_blocks


def _same_as_reference(line: bytes) -> ParsedRow | None:
    fast = _fast_row(7, line, set())
    reference = _parse_line(7, line)
    if fast is not None:
        assert reference.reason is None
        assert fast.values == reference.values
        assert list(fast.values or {}) == list(reference.values or {})  # key order: columns
        values = reference.values or {}
        assert fast.canonical == canonical_row_bytes(values, sorted(values))
    return fast


@pytest.mark.parametrize(
    "line",
    [
        b'{"a": 1, "b": "x", "c": null, "d": true, "e": false, "f": -0}',
        b'{"t": "caf\\u00e9 \\ud83d\\ude00", "n": 18446744073709551615}',
        b'{"a": "x:y", "b:c": "::"}',
        b' {"a" : "1"} \t',
    ],
)
def test_when_a_flat_object_line_is_read_then_the_fast_path_certifies_it(line: bytes) -> None:
    assert _same_as_reference(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        b'{"a": 1, "a": 2}',  # duplicate key
        b'{"a": "x:y", "a": "z"}',
        b'{"a": 1, "\\u0061": 2}',  # the same key written as an escape
        b'{"a": "\\u003a", "a": 1}',  # an escaped colon would hide a repeat from the count
        b'{"a": 1.5}',  # floats: the reference's text
        b'{"a": 123456789012345678901234567890}',  # beyond 64 bits: orjson gives a float
        b'{"a": NaN}',
        b'{"a": 1e400}',
        b'{"a": {"b": 1, "b": 2}}',  # nested values
        b'{"a": [1, 2]}',
        b'{"a": "\\ud800"}',  # a lone surrogate
        b'{"jane@example.com": "x"}',  # a key named like a value
        b'{"a": "\xff"}',
        b"[1, 2]",
        b'"text"',
        b'{"a": ',
        b"",
        b"   ",
    ],
)
def test_when_a_line_is_not_certified_then_the_reference_path_reads_it(line: bytes) -> None:
    assert _same_as_reference(line) is None


_KEYS = st.text(st.sampled_from('ab:"\\é\u2028'), max_size=4)
_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(st.characters(codec="utf-8"), max_size=8)
)


@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=5), st.booleans())
def test_when_any_object_line_is_read_then_the_fast_path_agrees_with_the_reference(
    members: list[tuple[str, object]], ascii_only: bool
) -> None:
    # Written member by member so keys may repeat, as a hostile writer can.
    body = ", ".join(
        f"{json.dumps(k, ensure_ascii=ascii_only)}: {json.dumps(v, ensure_ascii=ascii_only)}"
        for k, v in members
    )
    _same_as_reference(("{" + body + "}").encode("utf-8", "surrogatepass"))


def test_when_rows_fail_midway_then_blocks_yield_the_rows_before_and_raise() -> None:
    def rows() -> object:
        yield ParsedRow(1, {"a": "1"})
        yield ParsedRow(2, {"a": "2"})
        raise OSError("storage went away")

    blocks = in_blocks(rows(), 10)  # type: ignore[arg-type]
    assert [row.line for row in next(blocks)] == [1, 2]
    with pytest.raises(OSError, match="went away"):
        next(blocks)


def test_when_a_parsed_row_is_shown_then_no_value_or_raw_byte_is() -> None:
    row = ParsedRow(3, {"email": "jane@example.com"}, raw=b"jane@example.com")
    assert "jane" not in repr(row)
