"""Tests of the generalize operator and the k-anonymity step."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyarrow as pa
import pytest

from vault_core.pii import (
    Finding,
    Generalize,
    KAnonymity,
    KAnonymityError,
    Policy,
    ReplaceWithType,
    anonymize_table,
    apply_k_anonymity,
    apply_operator,
    findings_to_table,
)
from vault_core.pii.generalize import HIPAA_RESTRICTED_ZIP3


@pytest.mark.parametrize(
    ("op", "entity_type", "value", "expected"),
    [
        (Generalize(), "DATE_TIME", "1985-03-14", "1985"),
        (Generalize(date="month"), "DATE_TIME", "1985-03-14", "1985-03"),
        (Generalize(date="month"), "DATE_TIME", "3/14/1985", "1985-03"),
        (Generalize(date="month"), "DATE_TIME", "March 14, 1985", "1985-03"),
        (Generalize(date="month"), "DATE_TIME", "14 Sept 2001", "2001-09"),
        (Generalize(), "DATE_TIME", "yesterday at 5pm", "<DATE_TIME>"),
        (Generalize(), "DATE_TIME", "1999", "<DATE_TIME>"),
        (Generalize(), "AGE", "42 years old", "40-44 years old"),
        (Generalize(age_band=10), "AGE", "age 37", "age 30-39"),
        (Generalize(), "AGE", "93", "90+"),
        (Generalize(age_cap=None), "AGE", "93", "90-94"),
        (Generalize(), "AGE", "forty", "<AGE>"),
        (Generalize(), "ZIP_CODE", "94107", "941"),
        (Generalize(), "ZIP_CODE", "94107-1234", "941"),
        (Generalize(zip_suppressed=HIPAA_RESTRICTED_ZIP3), "ZIP_CODE", "03601", "000"),
        (Generalize(zip_suppressed=HIPAA_RESTRICTED_ZIP3), "ZIP_CODE", "94107", "941"),
        (Generalize(), "EMAIL_ADDRESS", "jane@example.com", "<EMAIL_ADDRESS>"),
    ],
)
def test_when_generalized_then_coarser_value(
    op: Generalize, entity_type: str, value: str, expected: str
) -> None:
    assert apply_operator(op, value, entity_type) == expected


def _people(n: int) -> pa.Table:
    return pa.table(
        {
            "record_id": [f"r{i}" for i in range(n)],
            "age": [20 + (i * 7) % 50 for i in range(n)],
            "zip": [f"{94100 + (i * 13) % 40}" for i in range(n)],
            "birth": [dt.date(1950 + i % 40, 1 + i % 12, 1 + i % 28) for i in range(n)],
            "score": list(range(n)),
        }
    )


def _min_class(table: pa.Table, columns: list[str]) -> int:
    keys = zip(*(table.column(c).to_pylist() for c in columns), strict=True)
    return min(Counter(keys).values())


@pytest.mark.parametrize("k", [2, 5, 10])
def test_when_k_anonymity_applied_then_every_class_has_k_rows(k: int) -> None:
    table = _people(200)
    config = KAnonymity(quasi_identifiers=("age", "zip", "birth"), k=k)
    result, report = apply_k_anonymity(table, config)
    assert _min_class(result, ["age", "zip", "birth"]) >= k
    assert report.k_reached == _min_class(result, ["age", "zip", "birth"])
    assert report.rows_suppressed == 200 - result.num_rows
    assert report.rows_suppressed <= 0.05 * 200
    assert result.column("score").to_pylist() == sorted(result.column("score").to_pylist())
    assert set(report.levels) == {"age", "zip", "birth"}


def test_when_table_already_k_anonymous_then_unchanged() -> None:
    table = pa.table({"record_id": ["a", "b", "c"], "gender": ["f", "f", "f"]})
    result, report = apply_k_anonymity(table, KAnonymity(quasi_identifiers=("gender",), k=3))
    assert result.equals(table)
    assert (report.k_reached, report.rows_suppressed, report.levels) == (3, 0, {"gender": "none"})


def test_when_no_suppression_allowed_then_generalizes_further() -> None:
    table = _people(60)
    strict = KAnonymity(quasi_identifiers=("age", "zip"), k=5, max_suppressed=0.0)
    result, report = apply_k_anonymity(table, strict)
    assert report.rows_suppressed == 0
    assert result.num_rows == 60
    assert _min_class(result, ["age", "zip"]) >= 5


def test_when_fewer_rows_than_k_then_all_suppressed() -> None:
    table = _people(3)
    result, report = apply_k_anonymity(table, KAnonymity(quasi_identifiers=("age",), k=5))
    assert result.num_rows == 0
    assert (report.rows_suppressed, report.k_reached) == (3, 0)


def test_when_quasi_identifier_missing_then_k_anonymity_error() -> None:
    with pytest.raises(KAnonymityError, match="nope"):
        apply_k_anonymity(_people(5), KAnonymity(quasi_identifiers=("nope",), k=2))


def test_when_quasi_identifiers_repeat_then_rejected() -> None:
    with pytest.raises(ValueError, match="twice"):
        KAnonymity(quasi_identifiers=("age", "age"))


def test_when_policy_has_k_anonymity_then_anonymize_table_reports_it() -> None:
    table = _people(100).append_column("note", pa.array(["call Jane"] * 100))
    findings = findings_to_table(
        (f"r{i}", "note", Finding(5, 9, "PERSON", 0.9, "t")) for i in range(100)
    )
    policy = Policy(
        name="k",
        default=ReplaceWithType(),
        k_anonymity=KAnonymity(quasi_identifiers=("age", "zip"), k=4),
    )
    result, report = anonymize_table(table, findings, policy, columns=["note"])
    assert report.k_anonymity is not None
    assert report.k_anonymity.k_reached >= 4
    assert result.num_rows == 100 - report.k_anonymity.rows_suppressed
    assert set(result.column("note").to_pylist()) == {"call <PERSON>"}
    summary = report.to_dict()
    assert summary["k_anonymity"]["k_required"] == 4  # type: ignore[index]
    assert summary["by_column"] == {"note": {"PERSON": {"replace": 100}}}
