"""Suites as a dataset declares them (no Great Expectations import) and the contract suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from vault_core.dataset import DatasetSpec
from vault_core.quality import ExpectationSuiteSpec, SuiteFileError
from vault_core.quality.contract import contract_suite

NOT_NULL = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "body"}}


def _spec(**extra: object) -> DatasetSpec:
    return DatasetSpec(
        name="tickets",
        source="/landing/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        entity_columns={"email": "EMAIL_ADDRESS"},
        passthrough_columns=["ticket_id"],
        required_columns=["ticket_id", "body"],
        **extra,  # type: ignore[arg-type]
    )


def test_when_a_list_of_expectations_is_given_then_it_is_one_suite_named_expectations() -> None:
    spec = _spec(expectations=[NOT_NULL])
    assert [(s.name, s.severity, s.check_name) for s in spec.expectations] == [
        ("expectations", "ERROR", "expect_expectations")
    ]
    assert spec.expectations[0].expectations == [NOT_NULL]


def test_when_a_suite_file_is_given_then_its_expectations_and_name_are_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "Ticket Rules.json"
    suite = {"name": "Ticket Rules", "id": "x", "expectations": [{**NOT_NULL, "id": "e1"}]}
    path.write_text(json.dumps(suite))
    spec = _spec(expectations=[str(path), {"file": str(path), "name": "again", "severity": "WARN"}])
    assert [(s.name, s.severity, s.file) for s in spec.expectations] == [
        ("ticket_rules", "ERROR", str(path)),
        ("again", "WARN", str(path)),
    ]
    assert spec.expectations[0].expectations == [NOT_NULL]  # ids dropped


@pytest.mark.parametrize(
    ("expectations", "message"),
    [
        ([{"type": "not_an_expectation"}], "expect_"),
        ([{"type": "expect_column_to_exist", "kwargs": []}], "kwargs"),
        ([{"name": "contract", "expectations": [NOT_NULL]}], "reserved"),
        (
            [{"name": "a", "expectations": [NOT_NULL]}, {"name": "a", "expectations": [NOT_NULL]}],
            "unique",
        ),
    ],
)
def test_when_suite_is_malformed_then_the_spec_is_refused(
    expectations: list[object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _spec(expectations=expectations)


def test_when_suite_file_is_not_a_suite_then_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[1, 2]")
    with pytest.raises(SuiteFileError, match="no 'expectations' list"):
        ExpectationSuiteSpec.from_file(str(path))


def test_when_contract_is_generated_then_it_names_ids_columns_types_required_and_rows() -> None:
    suite = contract_suite(_spec())
    got = {(e["type"], e["kwargs"].get("column")) for e in suite.expectations}
    assert suite.severity == "ERROR"
    assert {
        ("expect_table_row_count_to_be_between", None),
        ("expect_column_values_to_be_unique", "record_id"),
        ("expect_column_values_to_not_be_null", "record_id"),
        ("expect_column_to_exist", "email"),
        ("expect_column_values_to_be_of_type", "body"),
        ("expect_column_values_to_be_of_type", "ticket_id"),  # jsonl: every column is text
        ("expect_column_values_to_not_be_null", "ticket_id"),
        ("expect_column_values_to_not_be_null", "body"),
    } <= got
