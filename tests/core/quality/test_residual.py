"""The residual-PII estimate: Wilson intervals, a reproducible sample, rates per type."""

from __future__ import annotations

import blake3
import pyarrow as pa
import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.quality import ResidualPiiSpec, wilson_interval
from vault_core.quality.residual import estimate, sample_keys, sample_rows, smallest


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook values (95%)
        (0, 200, 0.0, 0.0188),
        (200, 200, 0.9812, 1.0),
    ],
)
def test_when_wilson_interval_is_computed_then_it_matches_known_values(
    hits: int, n: int, low: float, high: float
) -> None:
    got = wilson_interval(hits, n, 0.95)
    assert got == pytest.approx((low, high), abs=1e-4)


def _table(rows: int, planted: set[int]) -> pa.Table:
    bodies = [
        f"write to person{i}@example.org please" if i in planted else f"order {i} shipped <PERSON>"
        for i in range(rows)
    ]
    return pa.table({"record_id": [f"r{i:05d}" for i in range(rows)], "body": bodies})


def test_when_seed_and_size_are_the_same_then_the_same_rows_whatever_the_storage_order() -> None:
    table = _table(500, set())
    shuffled = table.take(pa.array(list(range(499, -1, -1))))
    first = sample_rows(table, 50, seed=7, id_column="record_id")
    assert first.equals(sample_rows(shuffled, 50, seed=7, id_column="record_id"))
    assert not first.equals(sample_rows(table, 50, seed=8, id_column="record_id"))


@pytest.mark.parametrize("size", [1, 37, 200, 600])
def test_when_the_sample_is_drawn_part_by_part_then_it_is_the_whole_tables_sample(
    size: int,
) -> None:
    # residual_estimate draws each partition's sample, then the sample of those: the same rows
    # as drawing from every partition at once, in memory bounded by one partition's ids.
    table = _table(500, set())
    parts = [table.slice(0, 120), table.slice(120, 300), table.slice(420, 80)]
    whole = sample_rows(table, size, seed=11, id_column="record_id")
    drawn = [smallest(part, size, 11, "record_id") for part in parts]
    assert smallest(pa.concat_tables(drawn), size, 11, "record_id").equals(whole)
    assert whole.num_rows == min(size, 500)


def test_when_the_sample_is_drawn_then_it_spreads_over_the_id_range() -> None:
    # The keyed digest's order is unrelated to the ids': a sample of 100 of 1,000 sequential
    # ids falls in every tenth of the range (a sample of the lowest ids would not).
    ids = sample_rows(_table(1000, set()), 100, seed=0, id_column="record_id")["record_id"]
    tenths = {int(value[1:]) // 100 for value in ids.to_pylist()}
    assert tenths == set(range(10))


def test_when_some_records_keep_pii_then_the_rate_per_type_is_estimated_with_an_interval() -> None:
    table = _table(400, set(range(0, 400, 10)))  # 10% of the records keep an e-mail
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    found = estimate(table, ["body"], engine, ResidualPiiSpec(sample_size=200, seed=3))
    email = found.by_type["EMAIL_ADDRESS"]
    assert (found.population, found.sample_size, found.seed) == (400, 200, 3)
    assert email.low < 0.10 < email.high
    assert email.rate == email.records / 200
    assert found.exceeded == ["EMAIL_ADDRESS"]  # above the default 5%
    assert not found.passed
    metadata = found.metadata()
    assert "@example.org" not in str(metadata)
    assert metadata["rates"]["EMAIL_ADDRESS"]["records"] == email.records


def test_when_only_placeholders_are_found_then_they_are_not_residual_pii() -> None:
    table = _table(50, set())
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    found = estimate(table, ["body"], engine, ResidualPiiSpec(sample_size=50, max_rate=0.0))
    assert found.passed
    assert found.by_type["ANY"].records == 0


def test_when_ids_are_keyed_then_each_key_is_its_blake3_digests_first_8_bytes() -> None:
    # The documented sample order (docs/quality.md): recorded samples stay reproducible.
    ids = pa.chunked_array([["a", "é-2"], ["0" * 32, ""]])
    key = blake3.blake3(b"vault residual sample 7").digest()
    expected = [
        int.from_bytes(blake3.blake3(i.encode(), key=key).digest(length=8), "little")
        for i in ["a", "é-2", "0" * 32, ""]
    ]
    assert sample_keys(ids, 7).tolist() == expected
    assert sample_keys(ids.combine_chunks(), 7).tolist() == expected
