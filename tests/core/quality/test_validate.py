"""Suites run by Great Expectations 1.x on pandas frames: outcomes, counts, and no row value in
what is reported."""

from __future__ import annotations

import contextlib
import gc
import json
import weakref

import pandas as pd
import pyarrow as pa
import pytest

from vault_core.quality import ExpectationSuiteSpec, SuiteDefinitionError, validate
from vault_core.quality.validate import SuiteResult, merge, validate_frame, validate_table

SECRET = "Zebulon Quartermaine-Oyelaran"


def _validate_parts(
    suite: ExpectationSuiteSpec, parts: list[tuple[str, pd.DataFrame]]
) -> SuiteResult:
    """Each part validated on its own, then merged (what ``run_suite`` does per partition)."""
    return merge(suite, [(key, len(frame), validate_frame(suite, frame)) for key, frame in parts])


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
    result = _validate_parts(suite, [("all", frame)])
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
    result = _validate_parts(suite, [("a", frame), ("b", frame.iloc[:1])])
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


# The common expectations, on a table with nulls, duplicates, numbers and text (failing ones too).
COMMON = (
    _expect("expect_table_row_count_to_be_between", min_value=1),
    _expect("expect_table_row_count_to_equal", value=6),
    _expect("expect_table_column_count_to_equal", value=5),
    _expect(
        "expect_table_columns_to_match_set", column_set=["record_id", "body", "channel", "n", "x"]
    ),
    _expect("expect_table_columns_to_match_ordered_list", column_list=["record_id", "body"]),
    _expect("expect_column_to_exist", column="body"),
    _expect("expect_column_to_exist", column="nope"),
    _expect("expect_column_values_to_not_be_null", column="body"),
    _expect("expect_column_values_to_be_null", column="body"),
    _expect("expect_column_values_to_be_unique", column="record_id"),
    _expect("expect_column_values_to_be_unique", column="body", mostly=0.5),
    _expect("expect_column_values_to_be_in_set", column="channel", value_set=["email", "chat"]),
    _expect("expect_column_values_to_not_be_in_set", column="channel", value_set=["fax"]),
    _expect("expect_column_distinct_values_to_be_in_set", column="channel", value_set=["chat"]),
    _expect("expect_column_values_to_match_regex", column="body", regex=r"^\w"),
    _expect("expect_column_values_to_not_match_regex", column="body", regex=r"\d"),
    _expect("expect_column_values_to_match_regex_list", column="body", regex_list=[r"e$", r"^Z"]),
    _expect("expect_column_value_lengths_to_be_between", column="body", min_value=1, max_value=9),
    _expect("expect_column_value_lengths_to_equal", column="channel", value=4),
    _expect("expect_column_values_to_be_between", column="n", min_value=2, max_value=5),
    _expect("expect_column_values_to_be_between", column="x", max_value=5),
    _expect("expect_column_mean_to_be_between", column="x", max_value=100),
    _expect("expect_column_stdev_to_be_between", column="n", max_value=100),
    _expect(
        "expect_column_proportion_of_unique_values_to_be_between", column="channel", min_value=0.5
    ),
    _expect("expect_column_unique_value_count_to_be_between", column="channel", max_value=10),
    _expect(
        "expect_column_proportion_of_non_null_values_to_be_between", column="body", min_value=0.9
    ),
    _expect("expect_column_values_to_be_of_type", column="n", type_="float64"),
)
TEXT = ["record_id", "body", "channel"]


@pytest.fixture
def table() -> pa.Table:
    return pa.table(
        {
            "record_id": ["r1", "r2", "r3", "r3", "r5", "r6"],
            "body": ["hello <PERSON>", None, "Zeb 12", "bye", "", "bye"],
            "channel": ["email", "chat", "chat", None, "phone", "fax"],
            "n": pa.array([1, 2, None, 4, 5, 6], pa.int64()),
            "x": [1.5, 2.0, 3.0, None, 10.0, 4.0],
        }
    )


def test_when_a_table_is_validated_then_outcomes_are_those_of_an_object_string_frame(
    table: pa.Table,
) -> None:
    # validate_table's frame keeps the text in Arrow (pandas' "str" dtype: no Python object per
    # cell); each expectation counts as on plain Python strings.
    suite = _suite(*COMMON)
    plain = table.to_pandas().astype(dict.fromkeys(TEXT, object))
    arrow = validate_table(suite, table)
    assert arrow == validate_frame(suite, plain)
    assert [o.success for o in arrow].count(False) == 16  # the failing ones fail alike


def test_when_a_text_column_type_is_expected_then_str_passes_on_both_frames(
    table: pa.Table,
) -> None:
    # How the check reports differs: on Arrow-backed text Great Expectations compares the
    # column's dtype (observed "str"); on object columns it checks each value (counts).
    suite = _suite(_expect("expect_column_values_to_be_of_type", column="body", type_="str"))
    (arrow,) = validate_table(suite, table)
    (plain,) = validate_frame(suite, table.to_pandas().astype(dict.fromkeys(TEXT, object)))
    assert arrow.success
    assert plain.success
    assert arrow.observed == "str"
    assert plain.counts["unexpected_count"] == 0


def test_when_a_text_column_is_expected_in_a_type_list_then_str_passes_and_int_fails(
    table: pa.Table,
) -> None:
    # pandas 3's "str" dtype matched no name of a type list: ["str"] failed on every text column.
    suite = _suite(
        _expect("expect_column_values_to_be_in_type_list", column="body", type_list=["str"]),
        _expect("expect_column_values_to_be_in_type_list", column="channel", type_list=["int"]),
        _expect("expect_column_values_to_be_in_type_list", column="x", type_list=["float64"]),
    )
    body, channel, x = validate_table(suite, table)
    assert body.success
    assert body.counts["unexpected_count"] == 0
    assert not channel.success
    assert channel.counts["unexpected_count"] == 5  # the non-null values
    assert x.success  # a typed column keeps its dtype: compared as a dtype
    plain = table.to_pandas().astype(dict.fromkeys(TEXT, object))
    assert validate_frame(suite, plain) == [body, channel, x]


def test_when_a_suite_runs_then_great_expectations_does_not_hash_the_frame(
    table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its batch fingerprint hashed every cell (+200-250 MB of peak RSS per 100 MB partition)
    # for a marker no outcome shows: the outcomes are the same without it.
    from great_expectations.execution_engine import pandas_execution_engine as engine

    hashed = []
    hash_frame = engine.hash_pandas_dataframe
    monkeypatch.setattr(
        engine, "hash_pandas_dataframe", lambda df: hashed.append(1) or hash_frame(df)
    )
    suite = _suite(*COMMON)
    without = validate_table(suite, table)
    assert hashed == []
    assert engine.HASH_THRESHOLD == 1e9  # restored for other users of Great Expectations
    monkeypatch.setattr(validate, "_no_fingerprint", contextlib.nullcontext)
    assert validate_table(suite, table) == without
    assert hashed == [1]
