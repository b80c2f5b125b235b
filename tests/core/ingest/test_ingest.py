"""Ingesting landing files: rows reconcile, ids are keyed and stable, duplicates refused."""

from __future__ import annotations

import fsspec
import pytest

from vault_core.ingest import RECORD_ID, RejectReason, SourceNotFoundError, ingest
from vault_core.synthetic import generate_corpus

KEY = bytes(range(32))


def _write(url: str, data: bytes) -> None:
    with fsspec.open(url, "wb") as handle:
        handle.write(data)


def test_when_synthetic_corpus_is_ingested_then_rows_in_equal_records_plus_rejects() -> None:
    summary = generate_corpus("memory://ingest-corpus", tickets=400, customers=300)
    tickets = ingest(
        "memory://ingest-corpus/tickets/*.jsonl",
        "jsonl",
        record_key=KEY,
        required_columns=["ticket_id", "body"],
    )
    assert tickets.rows_in == summary.rows["tickets"]
    assert len(tickets.rejects) == summary.malformed["tickets"] + summary.duplicates["tickets"]
    customers = ingest(
        "memory://ingest-corpus/customers/*.csv",
        "csv",
        record_key=KEY,
        required_columns=["customer_id"],
    )
    assert customers.rows_in == summary.rows["customers"]
    reasons = {r.reason for r in customers.rejects}
    assert reasons == {
        RejectReason.FIELD_COUNT,
        RejectReason.MISSING_REQUIRED,
        RejectReason.DUPLICATE,
    }


def test_when_ingested_twice_then_same_ids_in_same_order() -> None:
    _write("memory://twice/a.jsonl", b'{"t": "x"}\n{"t": "y"}\n')
    first = ingest("memory://twice/*.jsonl", "jsonl", record_key=KEY)
    second = ingest("memory://twice/*.jsonl", "jsonl", record_key=KEY)
    assert first.records.equals(second.records)
    assert first.records.column_names == [RECORD_ID, "t"]
    assert first.records[RECORD_ID].to_pylist() == sorted(first.records[RECORD_ID].to_pylist())


def test_when_key_differs_then_record_ids_differ() -> None:
    _write("memory://keyed/a.jsonl", b'{"t": "x"}\n')
    one = ingest("memory://keyed/*.jsonl", "jsonl", record_key=KEY)
    other = ingest("memory://keyed/*.jsonl", "jsonl", record_key=bytes(32))
    assert one.records[RECORD_ID] != other.records[RECORD_ID]


def test_when_row_repeats_across_files_then_second_is_a_duplicate_reject() -> None:
    _write("memory://dups/a.jsonl", b'{"t": "same"}\n')
    _write("memory://dups/b.jsonl", b'{"t": "same"}\n{"t": "other"}\n')
    result = ingest("memory://dups/*.jsonl", "jsonl", record_key=KEY)
    assert result.records.num_rows == 2
    (reject,) = result.rejects
    assert (reject.reason, reject.source_url, reject.line) == (
        RejectReason.DUPLICATE,
        "memory:///dups/b.jsonl",  # fsspec canonical form
        1,
    )


def test_when_rows_have_different_keys_then_columns_are_the_union() -> None:
    _write("memory://union/a.jsonl", b'{"a": "1"}\n{"b": "2"}\n')
    result = ingest("memory://union/*.jsonl", "jsonl", record_key=KEY)
    assert result.records.column_names == [RECORD_ID, "a", "b"]
    assert result.records.num_rows == 2


def test_when_source_has_a_record_id_column_then_it_is_kept_under_another_name() -> None:
    _write("memory://rid/a.jsonl", b'{"record_id": "theirs", "t": "x"}\n')
    result = ingest("memory://rid/*.jsonl", "jsonl", record_key=KEY)
    assert result.records["source_record_id"].to_pylist() == ["theirs"]
    assert result.records[RECORD_ID].to_pylist() != ["theirs"]


def test_when_nothing_matches_then_typed_error_names_the_source() -> None:
    with pytest.raises(SourceNotFoundError, match="memory://nothing-here"):
        ingest("memory://nothing-here/*.csv", "csv", record_key=KEY)


def test_when_local_files_are_ingested_then_origins_point_at_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "in.csv").write_text("id,v\n1,a\n2,b\n")
    result = ingest(str(tmp_path / "*.csv"), "csv", record_key=KEY)
    assert set(result.origins["source_url"].to_pylist()) == {str(tmp_path / "in.csv")}
    assert sorted(result.origins["source_line"].to_pylist()) == [2, 3]
    assert result.sources[0].digest.startswith("b3:")
