"""Every hostile file is ingested without a crash: lines reconcile, nothing leaks, the result
can be sealed and written to Delta Lake."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from deltalake import write_deltalake

from tests.core.ingest.hostile_corpus import FORMATS, HostileFile, write_hostile_corpus
from vault_core.ingest import IngestResult, ingest
from vault_core.raw_zone import _ipc_bytes

KEY = bytes(range(32))


def _ingest_corpus(folder: Path, fmt: str) -> tuple[list[HostileFile], IngestResult]:
    files = write_hostile_corpus(folder, fmt)
    return files, ingest(str(folder / f"*.{fmt}"), fmt, record_key=KEY)


@pytest.mark.parametrize("fmt", FORMATS)
def test_when_hostile_files_are_ingested_then_each_reconciles_and_matches_its_spec(
    fmt: str, tmp_path: Path
) -> None:
    files, result = _ingest_corpus(tmp_path / fmt, fmt)
    counts = {Path(c.url).name: c for c in result.files}
    origins = Counter(Path(url).name for url in result.origins["source_url"].to_pylist())
    for hostile in files:
        name = hostile.path.name
        file_counts = counts[name]
        assert file_counts.reconciles, (name, file_counts)
        assert file_counts.physical_rows == (
            file_counts.records + file_counts.rejects + file_counts.blank_lines
        )
        reasons = {str(r.reason) for r in result.rejects if Path(r.source_url).name == name}
        assert reasons == hostile.reasons, name
        if hostile.records is not None:
            assert origins[name] == hostile.records == file_counts.records, name
    assert result.physical_rows == result.rows_in + result.blank_lines


@pytest.mark.parametrize("fmt", FORMATS)
def test_when_hostile_files_are_ingested_then_no_planted_value_leaks_and_result_is_storable(
    fmt: str, tmp_path: Path
) -> None:
    files, result = _ingest_corpus(tmp_path / fmt, fmt)
    planted = {value for hostile in files for value in hostile.planted}
    assert planted or fmt == "txt"
    for reject in result.rejects:
        assert not any(value in reject.detail for value in planted), reject.reason
    value_like = [h for h in files if "value_like_name" in h.reasons]
    for hostile in value_like:  # a name that looks like a value never becomes a column
        assert not set(hostile.planted) & set(result.records.column_names)
    assert len({name.lower() for name in result.records.column_names}) == len(
        result.records.column_names
    )
    _ipc_bytes(result.records)  # what the raw zone seals
    write_deltalake(str(tmp_path / "delta"), result.records)


def test_hostile_corpus_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tried = rows_in = records = quarantined = crashes = blank = 0
    for fmt in FORMATS:
        try:
            files, result = _ingest_corpus(tmp_path / fmt, fmt)
        except Exception:  # counted, then failed below
            crashes += 1
            continue
        tried += len(files)
        rows_in += result.rows_in
        records += result.records.num_rows
        quarantined += len(result.rejects)
        blank += result.blank_lines
    with capsys.disabled():
        print(
            f"\nhostile corpus: {tried} files, {rows_in} rows in, {records} records, "
            f"{quarantined} quarantined, {blank} blank lines, {crashes} crashes"
        )
    assert crashes == 0
    assert tried == 54
    assert rows_in == records + quarantined
