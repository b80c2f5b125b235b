"""The contract suite every dataset gets, generated from its declaration (code, not data): the
anonymized table has a record id that is never null and unique, every declared column, text in
the text and entity columns (the policy writes strings there), values in every required column,
and at least one row."""

from __future__ import annotations

from typing import Any

from vault_core.dataset import DatasetSpec
from vault_core.ingest import RECORD_ID
from vault_core.quality.suite import CONTRACT_SUITE, ExpectationSuiteSpec

STRING_TYPE = "str"
"""How Great Expectations names the type of text cells in a pandas frame read from Arrow."""
_TEXT_FORMATS = ("csv", "jsonl", "txt")
"""Formats whose every column is text (JSON scalars keep their JSON text)."""


def _expect(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs}


def contract_suite(spec: DatasetSpec) -> ExpectationSuiteSpec:
    """The generated contract of ``spec``'s anonymized table (severity ERROR)."""
    expectations = [
        _expect("expect_table_row_count_to_be_between", min_value=1),
        _expect("expect_column_to_exist", column=RECORD_ID),
        _expect("expect_column_values_to_not_be_null", column=RECORD_ID),
        _expect("expect_column_values_to_be_unique", column=RECORD_ID),
    ]
    textual = [*spec.text_columns, *spec.entity_columns]
    if spec.format in _TEXT_FORMATS:
        textual += spec.passthrough_columns
    for column in spec.declared_columns:
        expectations.append(_expect("expect_column_to_exist", column=column))
        if column in textual:
            expectations.append(
                _expect("expect_column_values_to_be_of_type", column=column, type_=STRING_TYPE)
            )
    for column in spec.required_columns:
        if column not in spec.declared_columns:
            expectations.append(_expect("expect_column_to_exist", column=column))
        expectations.append(_expect("expect_column_values_to_not_be_null", column=column))
    return ExpectationSuiteSpec(name=CONTRACT_SUITE, expectations=expectations, severity="ERROR")


def dataset_suites(spec: DatasetSpec) -> list[ExpectationSuiteSpec]:
    """Every suite run on ``spec``'s anonymized table: the contract, then the declared ones."""
    return [contract_suite(spec), *spec.expectations]
