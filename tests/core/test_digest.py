"""Digests: independent of chunking, sensitive to values and schema."""

from __future__ import annotations

import pyarrow as pa

from vault_core.digest import combine_digests, schema_fingerprint, table_digest


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
