"""Streamed ingest: bounded, deterministic batches that add up to what ``ingest`` returns."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.core.ingest.hostile_corpus import FORMATS, write_hostile_corpus
from vault_core.digest import bytes_digest
from vault_core.ingest import (
    RECORD_ID,
    ConformError,
    IngestBatch,
    IngestStream,
    Reject,
    RejectReason,
    SourceNotFoundError,
    StreamNotExhaustedError,
    conform,
    ingest,
    ingest_stream,
)
from vault_core.ingest.readers import parse_file

KEY = bytes(range(32))


def _write(url: str, data: bytes) -> None:
    with fsspec.open(url, "wb") as handle:
        handle.write(data)


def _parquet(table: pa.Table, row_group_size: int | None = None) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


def _read(stream: IngestStream) -> list[IngestBatch]:
    batches = list(stream)
    assert stream.exhausted
    return batches


def _concatenated(stream: IngestStream) -> tuple[pa.Table, list[tuple[object, ...]]]:
    """The batches conformed to the final schema, sorted by id, and every reject."""
    batches = _read(stream)
    schema = stream.columns
    parts = [conform(batch.records, schema) for batch in batches]
    records = pa.concat_tables([schema.empty_table(), *parts]).sort_by(RECORD_ID)
    return records, _rejects([reject for batch in batches for reject in batch.rejects])


def _same(one: pa.Table, other: pa.Table) -> bool:
    """Equal schemas and values (NaN equal to NaN; null structs however their children lie)."""
    return one.schema == other.schema and all(
        one[name].equals(other[name])
        or repr(one[name].to_pylist()) == repr(other[name].to_pylist())
        for name in one.column_names
    )


def _rejects(rejects: list[Reject]) -> list[tuple[object, ...]]:
    return [(r.source_url, r.line, r.reason, r.detail, r.raw) for r in rejects]


@pytest.mark.parametrize("fmt", FORMATS)
def test_when_hostile_corpus_is_streamed_in_small_batches_then_it_adds_up_to_ingest(
    fmt: str, tmp_path: Path
) -> None:
    write_hostile_corpus(tmp_path, fmt)
    glob = str(tmp_path / f"*.{fmt}")
    whole = ingest(glob, fmt, record_key=KEY)
    stream = ingest_stream([glob], fmt, record_key=KEY, batch_rows=2, chunk_size=4096)
    records, rejects = _concatenated(stream)
    assert _same(records, whole.records)
    assert rejects == _rejects(whole.rejects)
    assert stream.sources == whole.sources
    assert stream.files == whole.files
    assert stream.rows_in == whole.rows_in


@pytest.mark.parametrize("fmt", FORMATS)
def test_when_each_hostile_file_is_streamed_then_rows_match_the_whole_file_reader(
    fmt: str, tmp_path: Path
) -> None:
    for hostile in write_hostile_corpus(tmp_path, fmt):
        data = hostile.path.read_bytes()
        url = str(hostile.path)
        parsed = parse_file(data, fmt, url)
        stream = ingest_stream([url], fmt, record_key=KEY, batch_rows=3, chunk_size=1000)
        batches = _read(stream)
        refused = [(r.line, r.reason, r.detail, r.raw) for b in batches for r in b.rejects]
        expected = [
            (row.line, row.reason, row.detail, row.raw) for row in parsed if row.values is None
        ]
        assert refused == expected, hostile.path.name
        kept = sorted(line for b in batches for line in b.origins["source_line"].to_pylist())
        assert kept == sorted(row.line for row in parsed if row.values is not None)
        (counts,) = stream.files
        assert counts.reconciles, hostile.path.name
        assert (counts.physical_lines, counts.header_lines, counts.blank_lines) == (
            parsed.physical_lines,
            parsed.header_lines,
            parsed.blank_lines,
        )
        assert counts.continuation_lines == parsed.continuation_lines
        (source,) = stream.sources
        assert (source.size, source.digest) == (len(data), bytes_digest(data))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7])
def test_when_chunks_are_a_few_bytes_then_lines_across_borders_parse_the_same(
    fmt: str, chunk_size: int, tmp_path: Path
) -> None:
    small = [h for h in write_hostile_corpus(tmp_path, fmt) if h.path.stat().st_size < 50_000]
    for hostile in small:
        url = str(hostile.path)
        default = _concatenated(ingest_stream([url], fmt, record_key=KEY))
        tiny = _concatenated(ingest_stream([url], fmt, record_key=KEY, chunk_size=chunk_size))
        assert _same(tiny[0], default[0]), hostile.path.name
        assert tiny[1] == default[1], hostile.path.name


def test_when_crlf_is_split_by_a_chunk_border_then_it_is_one_line_break() -> None:
    _write("memory://border/a.csv", b"id,v\r\n1,a\r\n2,b\r\n")
    stream = ingest_stream(["memory://border/a.csv"], "csv", record_key=KEY, chunk_size=5)
    (batch,) = _read(stream)
    assert batch.records.num_rows == 2
    (counts,) = stream.files
    assert (counts.physical_lines, counts.blank_lines) == (3, 0)


def _rows(count: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps({"id": f"r{n}", "text": "w" * 40, "n": n % 7}).encode() + b"\n"
        for n in range(start, start + count)
    )


def test_when_batches_are_read_then_none_holds_more_than_batch_rows_and_reruns_match() -> None:
    _write("memory://batches/a.jsonl", _rows(25) + b"not json\n" + _rows(3))  # 3 repeat rows
    _write("memory://batches/b.jsonl", _rows(12, start=100))

    def run() -> list[IngestBatch]:
        return _read(
            ingest_stream(["memory://batches/*.jsonl"], "jsonl", record_key=KEY, batch_rows=10)
        )

    first, second = run(), run()
    sizes = [b.records.num_rows + len(b.rejects) for b in first]
    assert sizes == [10, 10, 10, 10, 1]
    assert all(b.records.num_rows <= 10 for b in first)
    for one, other in zip(first, second, strict=True):
        assert one.records.equals(other.records)
        assert one.origins.equals(other.origins)
        assert one.rejects == other.rejects
    reasons = [r.reason for b in first for r in b.rejects]
    assert reasons == [RejectReason.INVALID_JSON] + [RejectReason.DUPLICATE] * 3


def test_when_a_partition_is_given_as_file_urls_then_files_are_read_in_that_order() -> None:
    _write("memory://part/b.jsonl", _rows(2))
    _write("memory://part/a.jsonl", _rows(2, start=10))
    stream = ingest_stream(
        ["memory://part/b.jsonl", "memory://part/a.jsonl", "memory://part/b.jsonl"],
        "jsonl",
        record_key=KEY,
    )
    _read(stream)
    assert [Path(s.url).name for s in stream.sources] == ["b.jsonl", "a.jsonl"]
    assert stream.rows_in == 4


def test_when_a_listed_file_is_missing_then_error_names_its_position_not_its_path() -> None:
    _write("memory://gone/a.jsonl", _rows(1))
    with pytest.raises(SourceNotFoundError) as caught:
        ingest_stream(
            ["memory://gone/a.jsonl", "memory://gone/jane.doe@example.com.jsonl"],
            "jsonl",
            record_key=KEY,
        )
    assert "source 2 of 2" in str(caught.value)
    assert "jane" not in str(caught.value)


def test_when_stream_is_not_exhausted_then_columns_are_refused_and_it_reads_once() -> None:
    _write("memory://once/a.jsonl", _rows(3))
    stream = ingest_stream(["memory://once/a.jsonl"], "jsonl", record_key=KEY, batch_rows=1)
    batches = iter(stream)
    next(batches)
    with pytest.raises(StreamNotExhaustedError):
        _ = stream.columns
    list(batches)
    assert stream.columns.names == [RECORD_ID, "id", "text", "n"]
    with pytest.raises(RuntimeError):
        iter(stream)


def test_when_a_later_object_brings_a_case_twin_then_the_earlier_name_is_kept() -> None:
    _write("memory://twins/a.jsonl", b'{"email": "a"}\n{"Email": "b"}\n')
    stream = ingest_stream(["memory://twins/a.jsonl"], "jsonl", record_key=KEY, batch_rows=1)
    batches = _read(stream)
    assert stream.columns.names == [RECORD_ID, "email", "Email__2"]
    assert [b.records.column_names for b in batches] in (
        [[RECORD_ID, "email"], [RECORD_ID, "Email__2"]],
        [[RECORD_ID, "Email__2"], [RECORD_ID, "email"]],
    )


def test_when_parquet_types_differ_between_batches_then_schema_unifies_and_conform_casts() -> None:
    _write("memory://ptypes/a.parquet", _parquet(pa.table({"n": [1], "s": [1], "f": [1.5]})))
    _write(
        "memory://ptypes/b.parquet",
        _parquet(pa.table({"n": pa.array([2], pa.int32()), "s": ["two"], "f": [2], "x": [True]})),
    )
    stream = ingest_stream(["memory://ptypes/*.parquet"], "parquet", record_key=KEY, batch_rows=1)
    first, _ = _read(stream)
    assert first.records.schema.field("s").type == pa.int64()  # each batch keeps its own types
    schema = stream.columns
    assert [(f.name, f.type) for f in schema] == [
        (RECORD_ID, pa.string()),
        ("n", pa.int64()),
        ("s", pa.string()),
        ("f", pa.float64()),
        ("x", pa.bool_()),
    ]
    conformed = conform(first.records, schema)
    assert conformed.schema == schema
    assert conformed.to_pylist()[0] | {RECORD_ID: None} == {
        RECORD_ID: None,
        "n": 1,
        "s": "1",  # JSON text, as the whole-table ingest gives
        "f": 1.5,
        "x": None,
    }


def test_when_an_integer_does_not_fit_the_promoted_float_then_the_column_is_text() -> None:
    big = 2**60
    _write("memory://pbig/a.parquet", _parquet(pa.table({"n": [big]})))
    _write("memory://pbig/b.parquet", _parquet(pa.table({"n": [0.5]})))
    stream = ingest_stream(["memory://pbig/*.parquet"], "parquet", record_key=KEY, batch_rows=1)
    batches = _read(stream)
    assert stream.columns.field("n").type == pa.string()
    values = sorted(v for b in batches for v in conform(b.records, stream.columns)["n"].to_pylist())
    assert values == ["0.5", str(big)]
    whole = ingest("memory://pbig/*.parquet", "parquet", record_key=KEY)
    assert sorted(whole.records["n"].to_pylist()) == values


def test_when_parquet_fails_after_some_batches_then_rest_is_one_reject_and_lines_reconcile() -> (
    None
):
    good = pa.array([0, 1, 2, 3], pa.timestamp("s"))
    bad = pa.array([2**50], pa.timestamp("s"))  # past what Python's datetime can hold
    table = pa.table({"ts": pa.concat_arrays([good, bad]), "id": ["a", "b", "c", "d", "e"]})
    _write("memory://pfail/a.parquet", _parquet(table, row_group_size=2))
    stream = ingest_stream(["memory://pfail/a.parquet"], "parquet", record_key=KEY, batch_rows=2)
    batches = _read(stream)
    assert sum(b.records.num_rows for b in batches) == 4
    (reject,) = [r for b in batches for r in b.rejects]
    assert reject.reason == RejectReason.UNREADABLE_FILE
    assert "after row 4" in reject.detail
    (counts,) = stream.files
    assert counts.reconciles
    assert (counts.physical_lines, counts.records, counts.rejects) == (5, 4, 1)


def test_when_conform_meets_a_column_outside_the_schema_then_it_refuses() -> None:
    schema = pa.schema([(RECORD_ID, pa.string())])
    with pytest.raises(ConformError, match="1 column"):
        conform(pa.table({RECORD_ID: ["x"], "extra": ["y"]}), schema)


def _peak(url: str, batch_rows: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        stream = ingest_stream(
            [url], "jsonl", record_key=KEY, batch_rows=batch_rows, chunk_size=1 << 16
        )
        largest = max(b.records.num_rows + len(b.rejects) for b in stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, largest


def test_when_file_is_ten_times_the_batch_then_memory_stays_bounded_by_the_batch(
    tmp_path: Path,
) -> None:
    batch_rows = 500
    row = {"id": "", "body": "lorem ipsum " * 80, "n": "3"}  # about 1 KB a line

    def write(path: Path, count: int) -> int:
        with path.open("wb") as handle:
            for n in range(count):
                handle.write(json.dumps(row | {"id": f"r{n}"}).encode() + b"\n")
        return path.stat().st_size

    small_size = write(tmp_path / "small.jsonl", 2 * batch_rows)
    large_size = write(tmp_path / "large.jsonl", 10 * batch_rows)
    small_peak, _ = _peak(str(tmp_path / "small.jsonl"), batch_rows)
    large_peak, largest = _peak(str(tmp_path / "large.jsonl"), batch_rows)
    assert largest == batch_rows
    assert small_size * 4 < large_size
    # Five times the data: the peak grows only by the ids kept for the duplicate rule (about
    # 85 bytes a record, more while the set resizes), not by the rows (about 1 KB each).
    assert large_peak < small_peak + 250 * 8 * batch_rows
    assert large_peak < large_size / 2  # the whole file never sits in memory


class _FailingHandle(io.BytesIO):
    """A landing file whose storage fails after the first read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise ConnectionResetError("storage went away")
        return super().read(size)


def test_when_storage_fails_mid_file_then_transient_error_not_a_reject(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vault_core.ingest import SourceUnavailableError
    from vault_core.ingest import stream as stream_module

    _write("memory://flaky/a.jsonl", _rows(50))
    monkeypatch.setattr(stream_module, "open_source", lambda source: _FailingHandle(_rows(50)))
    stream = ingest_stream(["memory://flaky/a.jsonl"], "jsonl", record_key=KEY, chunk_size=64)
    with pytest.raises(SourceUnavailableError, match="ConnectionResetError"):
        list(stream)
