"""Suites run by Great Expectations 1.x on pandas frames: outcomes, counts, and no row value in
what is reported."""

from __future__ import annotations

import gc
import json
import weakref

import pandas as pd
import pytest

from vault_core.quality import ExpectationSuiteSpec, SuiteDefinitionError
from vault_core.quality.validate import validate_frame, validate_partitions

SECRET = "Zebulon Quartermaine-Oyelaran"


def _suite(*expectations: dict[str, object], severity: str = "ERROR") -> ExpectationSuiteSpec:
    return ExpectationSuiteSpec.model_validate(
        {"name": "rules", "expectations": list(expectations), "severity": severity}
    )


def _expect(kind: str, **kwargs: object) -> dict[str, object]:
    return {"type": kind, "kwargs": kwargs}


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r3"],
            "body": ["hello <PERSON>", None, SECRET, "bye"],
            "score": [1.0, 2.0, 3.0, 10.0],
        }
    )


def test_when_expectations_fail_then_counts_are_reported_and_no_row_value(
    frame: pd.DataFrame,
) -> None:
    suite = _suite(
        _expect("expect_column_values_to_not_be_null", column="body"),
        _expect("expect_column_values_to_be_unique", column="record_id"),
        _expect("expect_column_values_to_not_match_regex", column="body", regex="Zebulon"),
        _expect("expect_column_max_to_be_between", column="score", max_value=5),
        _expect("expect_table_row_count_to_be_between", min_value=1),
        _expect("expect_column_mean_to_be_between", column="score", max_value=100),
    )
    result = validate_partitions(suite, [("all", frame)])
    outcomes = {o.type: o for o in result.outcomes}
    assert not result.success
    assert result.rows == 4
    assert outcomes["expect_column_values_to_not_be_null"].counts["unexpected_count"] == 1
    assert outcomes["expect_column_values_to_be_unique"].counts["unexpected_count"] == 2
    assert outcomes["expect_column_values_to_not_match_regex"].success is False
    # A maximum is a row value: withheld. A row count and a mean are statistics: kept.
    assert outcomes["expect_column_max_to_be_between"].observed is None
    assert outcomes["expect_table_row_count_to_be_between"].observed == 4
    assert outcomes["expect_column_mean_to_be_between"].observed == pytest.approx(4.0)
    text = json.dumps(result.metadata())
    assert "Zebulon" not in text
    assert "10.0" not in text  # the maximum
    assert result.metadata()["failed_expectations"] == [
        "expect_column_values_to_not_be_null(body)",
        "expect_column_values_to_be_unique(record_id)",
        "expect_column_values_to_not_match_regex(body)",
        "expect_column_max_to_be_between(score)",
    ]


def test_when_partitions_are_checked_then_counts_and_row_counts_add_up(
    frame: pd.DataFrame,
) -> None:
    suite = _suite(
        _expect("expect_column_values_to_not_be_null", column="body"),
        _expect("expect_table_row_count_to_be_between", min_value=1),
    )
    result = validate_partitions(suite, [("a", frame), ("b", frame.iloc[:1])])
    null, rows = result.outcomes
    assert (null.counts["element_count"], null.counts["unexpected_count"]) == (5, 1)
    assert rows.observed == 5
    assert result.partitions == ["a", "b"]


def test_when_column_is_missing_then_the_expectation_fails_without_its_message(
    frame: pd.DataFrame,
) -> None:
    outcome = validate_frame(_suite(_expect("expect_column_to_exist", column="nope")), frame)[0]
    assert not outcome.success


def test_when_expectation_type_is_unknown_then_typed_error(frame: pd.DataFrame) -> None:
    with pytest.raises(SuiteDefinitionError, match="expect_nothing_at_all"):
        validate_frame(_suite(_expect("expect_nothing_at_all")), frame)


def test_when_a_frame_is_validated_then_great_expectations_keeps_no_reference_to_it() -> None:
    # Its context outlives the call (the current project): a kept batch held a partition's
    # frame in memory beside the next one.
    frame = pd.DataFrame({"id": [f"row-{i}" for i in range(100)]})
    ref = weakref.ref(frame)
    validate_frame(_suite(_expect("expect_column_values_to_not_be_null", column="id")), frame)
    del frame
    gc.collect()
    assert ref() is None
