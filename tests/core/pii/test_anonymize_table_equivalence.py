"""anonymize_table (vectorized) against a cell-by-cell reference built from group_findings and
merge_findings: the same rows, the same report, in the same order (issue 13, item 5)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_core.pii import (
    Finding,
    Generalize,
    InvalidFindingError,
    Mask,
    Policy,
    PolicyReport,
    Redact,
    ReplaceWithType,
    Surrogate,
    Token,
    anonymize_table,
    apply_operator,
    findings_to_table,
    group_findings,
    merge_findings,
)
from vault_core.pii.anonymize import _check_bounds

ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_TIME", "PERSON"]
POLICIES = [
    Policy(name="replace"),
    Policy(
        name="mixed",
        entities={"PHONE_NUMBER": Mask(keep_last=2), "DATE_TIME": Generalize(), "PERSON": Redact()},
        columns={"notes": ReplaceWithType(template="[{entity_type}]")},
    ),
    Policy(
        name="keyed",
        default=Token(),
        entities={"PERSON": Surrogate(), "PHONE_NUMBER": Mask(masking_char="#")},
    ),
]


def keys(purpose: str) -> bytes:
    return hashlib.sha256(b"equivalence" + purpose.encode()).digest()


def reference(
    table: pa.Table, findings: pa.Table, policy: Policy, columns: list[str]
) -> tuple[pa.Table, PolicyReport]:
    """What anonymize_table did before it was vectorized: a Finding per finding, per cell."""
    report = PolicyReport(policy=policy.name, policy_digest=policy.digest())
    grouped = group_findings(findings)
    if not grouped or not columns:
        return table, report
    ids = [str(value) for value in table.column("record_id").to_pylist()]
    result = table
    for column in columns:
        if not any(key[1] == column for key in grouped):
            continue
        values = table.column(column)
        value_type = values.type
        if pa.types.is_dictionary(value_type):
            value_type = value_type.value_type
            values = values.cast(value_type)
        rewritten: list[Any] = []
        for record_id, value in zip(ids, values.to_pylist(), strict=True):
            cell = grouped.get((record_id, column))
            if not cell or not isinstance(value, str):
                rewritten.append(value)
                continue
            _check_bounds(len(value), cell)
            pieces, cursor = [], 0
            for span in merge_findings(cell):
                op = policy.operator_for(column, span.entity_type)
                pieces += [
                    value[cursor : span.start],
                    apply_operator(op, value[span.start : span.end], span.entity_type, keys=keys),
                ]
                cursor = span.end
                report.add(span.entity_type, op.kind, column=column)
            new_value = "".join([*pieces, value[cursor:]])
            report.cells_rewritten += new_value != value
            rewritten.append(new_value)
        index = result.schema.get_field_index(column)
        field = result.schema.field(index).with_type(value_type)
        result = result.set_column(index, field, pa.array(rewritten, type=value_type))
    return result, report


def _ordered(report: PolicyReport) -> str:
    # json.dumps keeps dict order: equal strings mean equal counts in the same order.
    return json.dumps(report.to_dict())


_TEXT = st.text(alphabet=st.sampled_from(list("ab @.-1é€😀\n")), min_size=0, max_size=30)


@st.composite
def cases(draw: st.DrawFn) -> tuple[pa.Table, pa.Table, Policy]:
    rows = draw(st.integers(1, 6))
    ids = [draw(st.sampled_from(["a", "b", "c", "d", "e"])) for _ in range(rows)]
    body = [draw(st.one_of(st.none(), _TEXT)) for _ in range(rows)]
    notes = [draw(st.one_of(st.none(), _TEXT)) for _ in range(rows)]
    table = pa.table({"record_id": ids, "body": body, "notes": notes})
    found = []
    for _ in range(draw(st.integers(0, 14))):
        row = draw(st.integers(0, rows - 1))
        column = draw(st.sampled_from(["body", "notes", "other"]))
        text = (body if column == "body" else notes)[row] or ""
        if len(text) == 0:
            continue
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        score = draw(st.sampled_from([0.5, 0.85, 0.85000001, 1.0]))
        entity = draw(st.sampled_from(ENTITIES))
        found.append((ids[row], column, Finding(start, end, entity, score, "x")))
    findings = findings_to_table(found)
    if draw(st.booleans()):  # as the stage reads them: several chunks
        findings = pa.concat_tables(
            [findings.slice(0, len(found) // 2), findings.slice(len(found) // 2)]
        )
    return table, findings, draw(st.sampled_from(POLICIES))


@given(cases())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_when_findings_overlap_repeat_or_miss_then_same_as_cell_by_cell(
    case: tuple[pa.Table, pa.Table, Policy],
) -> None:
    table, findings, policy = case
    columns = ["body", "notes"]
    try:
        expected, expected_report = reference(table, findings, policy, columns)
    except InvalidFindingError as exc:  # rows sharing an id with texts the finding does not fit
        message = str(exc)
    else:
        message = ""
    if message:
        with pytest.raises(InvalidFindingError) as raised:
            anonymize_table(table, findings, policy, columns=columns, keys=keys)
        assert str(raised.value) == message
        return
    result, report = anonymize_table(table, findings, policy, columns=columns, keys=keys)
    assert result.equals(expected)
    assert _ordered(report) == _ordered(expected_report)


@pytest.mark.parametrize("text_type", [pa.large_string(), pa.string_view()])
def test_when_column_is_large_or_view_strings_then_type_kept(text_type: pa.DataType) -> None:
    table = pa.table(
        {"record_id": ["a", "b"], "body": pa.array(["mail é@x.org now", None], text_type)}
    )
    findings = findings_to_table([("a", "body", Finding(5, 12, "EMAIL_ADDRESS", 1.0, "x"))])
    result, report = anonymize_table(table, findings, Policy(name="p"), columns=["body"])
    assert result.column("body").type == text_type
    assert result.column("body").to_pylist() == ["mail <EMAIL_ADDRESS> now", None]
    assert report.cells_rewritten == 1


def test_when_a_replacement_equals_the_value_then_cell_not_counted_as_rewritten() -> None:
    table = pa.table({"record_id": ["a"], "body": ["<PERSON> said"]})
    findings = findings_to_table([("a", "body", Finding(0, 8, "PERSON", 0.9, "x"))])
    result, report = anonymize_table(table, findings, Policy(name="p"), columns=["body"])
    assert result.column("body").to_pylist() == ["<PERSON> said"]
    assert report.total == 1
    assert report.cells_rewritten == 0
