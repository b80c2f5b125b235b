"""The anonymized zone's checks reuse what they found for partitions whose data did not change
(issue 13): a suite's outcome per partition, the residual estimate whole; anything changed (an
append, a policy, the suite, the sample) is checked again, and a cached failure still fails."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.ingest import RECORD_ID
from vault_core.partition_tables import PARTITION
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.quality import ExpectationSuiteSpec, ResidualPiiSpec
from vault_core.quality.contract import contract_suite
from vault_core.quality.residual import smallest
from vault_core.settings import VaultSettings
from vault_core.stages import checks
from vault_core.tables import open_dataset
from vault_core.vault import Vault

DAYS = ("2026-12-01", "2026-12-02")
PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))
NEVER = ExpectationSuiteSpec(
    name="ids",
    expectations=[
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "id", "regex": "^N"}}
    ],
)


def _land(landing: Path, day: str, name: str = "a.jsonl", rows: int = 6) -> None:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {"id": f"{day}-{name}-{i}", "body": f"order {i}: write to user{i}@shop.example"}
        for i in range(rows)
    ]
    (folder / name).write_text("".join(json.dumps(line) + "\n" for line in lines))


def _spec(landing: Path, **overrides: Any) -> DatasetSpec:
    fields: dict[str, Any] = {
        "name": "tickets",
        "source": f"{landing}/{{date}}/*.jsonl",
        "format": "jsonl",
        "text_columns": ["body"],
        "passthrough_columns": ["id"],
        "pii": PiiEngineConfig(mode="patterns"),
        "partitioning": "daily",
        "partition_start": DAYS[0],
    }
    return DatasetSpec.model_validate({**fields, **overrides})


def _build(vault: Vault, spec: DatasetSpec) -> None:
    for day in DAYS:
        stages.ingest_raw(vault, spec, day)
        stages.find_pii(vault, spec, PATTERNS, day)
        assert stages.anonymize(vault, spec, PATTERNS, day).published


@pytest.fixture
def built(tmp_path: Path) -> tuple[Vault, DatasetSpec, Path]:
    landing = tmp_path / "landing"
    for day in DAYS:
        _land(landing, day)
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    spec = _spec(landing)
    _build(vault, spec)
    return vault, spec, landing


def _fresh(vault: Vault, spec: DatasetSpec, suite: ExpectationSuiteSpec) -> Any:
    """The suite validated with no cache at all."""
    shutil.rmtree(checks.check_cache(vault, spec).root, ignore_errors=True)
    return checks.run_suite(vault, spec, suite, DAYS)


def _without_rows(vault: Vault, spec: DatasetSpec) -> None:
    """Delete the anonymized table's data files: a check that read a row would fail."""
    for file in Path(vault.table_url(spec.name, "anonymized")).rglob("*.parquet"):
        file.unlink()


def test_when_nothing_changed_then_the_suite_reads_no_partition_and_reports_the_same(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    suite = contract_suite(spec)
    first = checks.run_suite(vault, spec, suite, DAYS)
    assert (first.reused, first.success, first.rows) == (0, True, 12)
    _without_rows(vault, spec)
    again = checks.run_suite(vault, spec, suite, DAYS)
    assert again.reused == 2
    assert replace(again, reused=0) == first
    assert again.metadata() == first.metadata()


def test_when_a_partition_gets_more_rows_then_only_it_is_validated_and_the_result_is_fresh(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, landing = built
    suite = contract_suite(spec)
    checks.run_suite(vault, spec, suite, DAYS)
    _land(landing, DAYS[1], "b.jsonl", rows=3)
    _build(vault, spec)
    again = checks.run_suite(vault, spec, suite, DAYS)
    assert (again.reused, again.rows) == (1, 15)
    fresh = _fresh(vault, spec, suite)
    assert fresh.reused == 0
    assert replace(again, reused=0) == fresh
    assert again.metadata() == fresh.metadata()


def test_when_the_policy_changes_then_every_partition_is_validated_again(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, landing = built
    checks.run_suite(vault, spec, contract_suite(spec), DAYS)
    changed = _spec(landing, policy="redact-all")
    _build(vault, changed)
    assert checks.run_suite(vault, changed, contract_suite(changed), DAYS).reused == 0


def test_when_the_suite_changes_then_no_outcome_is_reused(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    suite = contract_suite(spec)
    assert checks.run_suite(vault, spec, suite, DAYS).success
    stricter = suite.model_copy(update={"expectations": [*suite.expectations, *NEVER.expectations]})
    assert checks.suite_digest(stricter) != checks.suite_digest(suite)
    result = checks.run_suite(vault, spec, stricter, DAYS)
    assert (result.reused, result.success) == (0, False)
    warned = suite.model_copy(update={"severity": "WARN"})
    assert checks.run_suite(vault, spec, warned, DAYS).reused == 0


def test_when_a_failure_was_cached_then_the_rerun_still_fails(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    first = checks.run_suite(vault, spec, NEVER, DAYS)
    assert not first.success
    _without_rows(vault, spec)
    again = checks.run_suite(vault, spec, NEVER, DAYS)
    assert (again.reused, again.success, again.failed) == (2, False, first.failed)
    assert again.metadata() == first.metadata()


def test_when_a_check_runs_on_fewer_partitions_then_the_cached_ones_merge_like_fresh_ones(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    suite = contract_suite(spec)
    one = checks.run_suite(vault, spec, suite, DAYS[:1])
    both = checks.run_suite(vault, spec, suite, DAYS)
    assert (one.reused, both.reused) == (0, 1)
    assert replace(both, reused=0) == _fresh(vault, spec, suite)


def test_when_the_cache_holds_no_value_then_it_has_counts_only(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    checks.run_suite(vault, spec, contract_suite(spec), DAYS)
    checks.residual_estimate(vault, spec, PATTERNS, ResidualPiiSpec(sample_size=5), DAYS)
    stored = Path(checks.check_cache(vault, spec).root).rglob("*.json")
    text = "".join(path.read_text() for path in stored)
    assert "shop.example" not in text
    assert "order" not in text


def test_when_the_residual_inputs_are_unchanged_then_the_estimate_is_reused_without_rows(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    check = ResidualPiiSpec(sample_size=5, seed=3)
    first = checks.residual_estimate(vault, spec, PATTERNS, check, DAYS)
    assert (first.reused, first.partitions, first.sample_size) == (False, 2, 5)
    _without_rows(vault, spec)
    again = checks.residual_estimate(vault, spec, PATTERNS, check, list(reversed(DAYS)))
    assert again.reused
    assert replace(again, reused=False) == first
    assert again.metadata() == first.metadata()


@pytest.mark.parametrize(
    "change",
    [{"seed": 4}, {"sample_size": 6}, {"max_rate": 0.5}, {"confidence": 0.9}],
)
def test_when_the_sample_spec_changes_then_the_estimate_is_made_again(
    built: tuple[Vault, DatasetSpec, Path], change: dict[str, Any]
) -> None:
    vault, spec, _ = built
    check = ResidualPiiSpec(sample_size=5, seed=3)
    checks.residual_estimate(vault, spec, PATTERNS, check, DAYS)
    changed = check.model_copy(update=change)
    assert not checks.residual_estimate(vault, spec, PATTERNS, changed, DAYS).reused


def test_when_a_partition_or_the_engine_changes_then_the_estimate_is_made_again(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, landing = built
    check = ResidualPiiSpec(sample_size=5, seed=3)
    checks.residual_estimate(vault, spec, PATTERNS, check, DAYS)
    other = PiiEngine(PiiEngineConfig(mode="patterns", score_threshold=0.6))
    assert not checks.residual_estimate(vault, spec, other, check, DAYS).reused
    assert not checks.residual_estimate(vault, spec, PATTERNS, check, DAYS[:1]).reused
    _land(landing, DAYS[0], "b.jsonl", rows=2)
    _build(vault, spec)
    found = checks.residual_estimate(vault, spec, PATTERNS, check, DAYS)
    assert (found.reused, found.population) == (False, 14)
    assert checks.residual_estimate(vault, spec, PATTERNS, check, DAYS).reused


def test_when_the_vault_is_read_only_then_nothing_is_cached(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, _ = built
    reader = Vault(vault.settings, read_only=True)
    assert checks.run_suite(reader, spec, contract_suite(spec), DAYS).reused == 0
    assert checks.run_suite(reader, spec, contract_suite(spec), DAYS).reused == 0
    assert not Path(checks.check_cache(vault, spec).root).exists()


def _mapped(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as maps:
        return maps.read()


def _warmed(spec: DatasetSpec) -> tuple[str, str]:
    """The shared objects the fresh check children (suites, engine) map once warmed for
    ``spec`` (an engine child never started maps nothing)."""
    from vault_core.child_process import ENGINE, SUITES, shared_child

    for role in (SUITES, ENGINE):
        shared_child(role).close()  # fresh children: nothing loaded yet
    thread = checks.warm_check_child(spec)
    assert thread is not None
    thread.join(timeout=300)
    assert not thread.is_alive()
    suites, engine = shared_child(SUITES).pid, shared_child(ENGINE).pid
    assert suites is not None
    return _mapped(suites), "" if engine is None else _mapped(engine)


def test_when_the_children_are_warmed_then_they_hold_great_expectations_and_the_full_engine(
    tmp_path: Path,
) -> None:
    suites, engine = _warmed(_spec(tmp_path, residual_pii=ResidualPiiSpec(sample_size=10)))
    assert "/pandas/_libs/" in suites  # Great Expectations' frames
    assert "/spacy/" not in suites
    assert "/spacy/" in engine  # the residual check's full engine (NER), in a child of its own


def test_when_a_dataset_has_no_residual_check_then_no_engine_is_loaded(tmp_path: Path) -> None:
    suites, engine = _warmed(_spec(tmp_path, residual_pii=None))
    assert "/pandas/_libs/" in suites
    assert "/spacy/" not in suites + engine


def _cold_estimate(
    vault: Vault, spec: DatasetSpec, check: ResidualPiiSpec, days: Sequence[str]
) -> Any:
    """The residual estimate made with no cache at all."""
    shutil.rmtree(checks.check_cache(vault, spec).root)
    return checks.residual_estimate(vault, spec, PATTERNS, check, days)


class _Counting(PiiEngine):
    """The real engine, counting the rows it is asked to scan."""

    rows = 0

    def detect_table(self, table: Any, *, text_columns: Any) -> Any:
        self.rows += table.num_rows
        return super().detect_table(table, text_columns=text_columns)


@pytest.fixture
def phones_left(tmp_path: Path) -> tuple[Vault, DatasetSpec]:
    """Days whose e-mail addresses are anonymized and phone numbers left (the dataset's engine
    looks for e-mails only), so the residual estimate has findings to count."""
    landing = tmp_path / "landing"
    for day in DAYS:
        folder = landing / day
        folder.mkdir(parents=True)
        lines = [
            {"id": f"{day}-{i}", "body": f"write to user{i}@shop.example or call 212-555-01{i:02d}"}
            for i in range(6)
        ]
        (folder / "a.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    spec = _spec(landing, pii=PiiEngineConfig(mode="patterns", entities=["EMAIL_ADDRESS"]))
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    emails = PiiEngine(spec.pii)
    for day in DAYS:
        stages.ingest_raw(vault, spec, day)
        stages.find_pii(vault, spec, emails, day)
        assert stages.anonymize(vault, spec, emails, day).published
    return vault, spec


def test_when_a_range_follows_the_daily_checks_then_its_estimate_scans_nothing(
    phones_left: tuple[Vault, DatasetSpec],
) -> None:
    vault, spec = phones_left
    check = ResidualPiiSpec(sample_size=4, seed=1)
    engine = _Counting(PiiEngineConfig(mode="patterns"))
    for day in DAYS:
        checks.residual_estimate(vault, spec, engine, check, [day])
    assert engine.rows == 8  # each day's own sample
    ranged = checks.residual_estimate(vault, spec, engine, check, DAYS)
    assert not ranged.reused  # not the whole estimate of another run: made from the outcomes
    assert engine.rows == 8
    fresh = _cold_estimate(vault, spec, check, DAYS)
    assert ranged == fresh
    assert fresh.by_type["PHONE_NUMBER"].records > 0


def test_when_a_day_follows_a_range_then_only_its_records_not_scanned_yet_are_scanned(
    phones_left: tuple[Vault, DatasetSpec],
) -> None:
    vault, spec = phones_left
    check = ResidualPiiSpec(sample_size=4, seed=1)
    engine = _Counting(PiiEngineConfig(mode="patterns"))
    ranged = checks.residual_estimate(vault, spec, engine, check, DAYS)
    assert engine.rows == 4
    # The range's sample records of the first day (record ids are keyed by the vault's own
    # key, so the split between the days differs from run to run).
    ids = open_dataset(vault.table_url(spec.name, "anonymized")).to_table(
        columns=[RECORD_ID, PARTITION]
    )
    in_range = smallest(ids, 4, 1, RECORD_ID)[PARTITION].to_pylist().count(DAYS[0])
    day = checks.residual_estimate(vault, spec, engine, check, DAYS[:1])
    assert engine.rows == 4 + (4 - in_range)  # the day's own sample less what the range scanned
    assert day == _cold_estimate(vault, spec, check, DAYS[:1])
    assert ranged.sample_size == day.sample_size == 4


def test_when_a_partition_changes_then_only_its_outcomes_are_scanned_again(
    built: tuple[Vault, DatasetSpec, Path],
) -> None:
    vault, spec, landing = built
    check = ResidualPiiSpec(sample_size=20, seed=3)  # every record of both days
    engine = _Counting(PiiEngineConfig(mode="patterns"))
    checks.residual_estimate(vault, spec, engine, check, DAYS)
    assert engine.rows == 12
    _land(landing, DAYS[0], "b.jsonl", rows=2)
    _build(vault, spec)
    found = checks.residual_estimate(vault, spec, engine, check, DAYS)
    assert engine.rows == 12 + 8  # the first day's 8 records again, none of the second's
    assert (found.population, found.sample_size) == (14, 14)
