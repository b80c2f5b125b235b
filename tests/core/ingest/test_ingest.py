"""Ingesting landing files: rows reconcile, ids are keyed and stable, duplicates refused."""

from __future__ import annotations

import io

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vault_core.ingest import RECORD_ID, RejectReason, SourceNotFoundError, ingest
from vault_demo.synthetic import generate_corpus

KEY = bytes(range(32))


def _write(url: str, data: bytes) -> None:
    with fsspec.open(url, "wb") as handle:
        handle.write(data)


def _write_parquet(url: str, table: pa.Table) -> None:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    _write(url, sink.getvalue())


def test_when_synthetic_corpus_is_ingested_then_rows_in_equal_records_plus_rejects() -> None:
    summary = generate_corpus("memory://ingest-corpus", tickets=400, customers=300)
    tickets = ingest(
        "memory://ingest-corpus/tickets/*/*.jsonl",
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


def test_when_source_has_record_id_and_source_record_id_then_both_are_kept() -> None:
    _write("memory://rid2/a.jsonl", b'{"record_id": "theirs", "source_record_id": "also"}\n')
    result = ingest("memory://rid2/*.jsonl", "jsonl", record_key=KEY)
    assert result.records["source_record_id"].to_pylist() == ["also"]
    assert result.records["source_record_id__2"].to_pylist() == ["theirs"]


def test_when_columns_differ_only_in_case_then_renamed_deterministically() -> None:
    _write("memory://case/a.csv", b"id,email,Email\n1,a,b\n")
    _write("memory://case/b.jsonl", b'{"email": "c", "EMAIL": "d", "email__2": "e"}\n')
    csv_result = ingest("memory://case/*.csv", "csv", record_key=KEY)
    assert csv_result.records.column_names == [RECORD_ID, "id", "email__2", "Email"]
    assert csv_result.records.to_pylist()[0]["email__2"] == "a"
    jsonl_result = ingest("memory://case/*.jsonl", "jsonl", record_key=KEY)
    assert jsonl_result.records.column_names == [RECORD_ID, "email__3", "EMAIL", "email__2"]


def test_when_parquet_types_differ_between_files_then_promoted_or_text() -> None:
    _write_parquet("memory://types/a.parquet", pa.table({"n": [1], "s": [1], "f": [1.5]}))
    _write_parquet(
        "memory://types/b.parquet",
        pa.table({"n": pa.array([2], pa.int32()), "s": ["two"], "f": [2]}),
    )
    result = ingest("memory://types/*.parquet", "parquet", record_key=KEY)
    types = {field.name: field.type for field in result.records.schema}
    assert (types["n"], types["s"], types["f"]) == (pa.int64(), pa.string(), pa.float64())
    assert sorted(result.records["s"].to_pylist()) == ["1", "two"]


@pytest.mark.parametrize(
    ("data", "columns"),
    [(b"", [RECORD_ID]), (b"id,email\n", [RECORD_ID, "id", "email"])],
)
def test_when_csv_has_no_rows_then_result_is_empty_with_known_columns(
    data: bytes, columns: list[str]
) -> None:
    _write("memory://empty/a.csv", data)
    result = ingest("memory://empty/*.csv", "csv", record_key=KEY)
    assert result.records.column_names == columns
    assert (result.records.num_rows, result.rows_in, result.physical_rows) == (0, 0, 0)


def test_when_every_row_is_refused_then_header_columns_remain() -> None:
    _write("memory://allbad/a.csv", b"id,email\n1\n2,a,b\n")
    result = ingest("memory://allbad/*.csv", "csv", record_key=KEY)
    assert result.records.column_names == [RECORD_ID, "id", "email"]
    assert result.records.num_rows == 0
    assert len(result.rejects) == 2


def test_when_files_are_ingested_then_every_physical_row_is_counted() -> None:
    _write("memory://lines/a.csv", b'id,v\n\n1,"a\nb"\n2,"c\n3,d\r4,e\r\n\r\n')
    result = ingest("memory://lines/*.csv", "csv", record_key=KEY)
    (counts,) = result.files
    assert (counts.physical_lines, counts.header_lines, counts.continuation_lines) == (8, 1, 1)
    assert (counts.records, counts.rejects, counts.blank_lines) == (3, 1, 2)
    assert counts.reconciles
    assert result.physical_rows == result.rows_in + result.blank_lines
