"""Digests: independent of chunking, sensitive to values and schema."""

from __future__ import annotations

import sys

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from vault_core.digest import (
    canonical_row_bytes,
    canonical_text_row_bytes,
    combine_digests,
    schema_fingerprint,
    table_digest,
)


def test_when_chunking_differs_then_table_digest_is_the_same() -> None:
    one = pa.table({"a": [1, 2, 3, 4]})
    chunked = pa.Table.from_batches(one.to_batches(max_chunksize=1))
    assert table_digest(one) == table_digest(chunked)


def test_when_a_value_or_type_changes_then_table_digest_changes() -> None:
    base = table_digest(pa.table({"a": [1, 2]}))
    assert table_digest(pa.table({"a": [1, 3]})) != base
    assert table_digest(pa.table({"a": pa.array([1, 2], pa.int32())})) != base


def test_when_parts_are_reordered_then_combined_digest_is_the_same() -> None:
    assert combine_digests({"x": "1", "y": "2"}) == combine_digests({"y": "2", "x": "1"})


def test_when_column_type_changes_then_schema_fingerprint_changes() -> None:
    a = pa.schema([("a", pa.string())])
    assert schema_fingerprint(a) == schema_fingerprint(pa.schema([("a", pa.string())]))
    assert schema_fingerprint(a) != schema_fingerprint(pa.schema([("a", pa.int64())]))


def test_when_any_code_point_is_a_value_then_fast_canonical_bytes_equal_the_reference() -> None:
    # Every code point (surrogates too) beside characters the encoders escape.
    for start in range(0, sys.maxunicode + 1, 4096):
        text = "".join(chr(c) for c in range(start, min(start + 4096, sys.maxunicode + 1)))
        row = {"k\u2028\x00": text + '"\\\n\x7f', "a": None, "\ud800": text[::-1]}
        assert canonical_text_row_bytes(row) == canonical_row_bytes(row, sorted(row))


@given(
    st.dictionaries(
        st.text(st.characters(codec=None)),
        st.none() | st.text(st.characters(codec=None)),
        max_size=6,
    )
)
def test_when_a_text_row_is_any_then_fast_canonical_bytes_equal_the_reference(
    row: dict[str, str | None],
) -> None:
    assert canonical_text_row_bytes(row) == canonical_row_bytes(row, sorted(row))
