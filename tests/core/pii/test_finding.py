"""Tests of vault_core.pii.finding: the dataclass, its table form and overlap resolution."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import (
    FINDINGS_SCHEMA,
    NER_DETECTOR,
    ColumnNotFoundError,
    Finding,
    InvalidFindingError,
    findings_to_table,
    group_findings,
    resolve_findings,
)

EMAIL = "presidio:EmailRecognizer"
URL = "presidio:UrlRecognizer"


def test_schema_columns_and_types() -> None:
    assert FINDINGS_SCHEMA.names == [
        "record_id",
        "column",
        "start",
        "end",
        "entity_type",
        "score",
        "detector",
    ]
    assert FINDINGS_SCHEMA.field("start").type == pa.int32()
    assert FINDINGS_SCHEMA.field("score").type == pa.float32()


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2)])
def test_when_offsets_invalid_then_finding_rejected(start: int, end: int) -> None:
    with pytest.raises(InvalidFindingError):
        Finding(start, end, "PERSON", 0.9, NER_DETECTOR)


def test_finding_is_frozen_and_hashable() -> None:
    finding = Finding(0, 4, "PERSON", 0.85, NER_DETECTOR)
    with pytest.raises(AttributeError):
        finding.start = 1  # type: ignore[misc]
    assert len({finding, Finding(0, 4, "PERSON", 0.85, NER_DETECTOR)}) == 1


def test_table_round_trip() -> None:
    rows = [
        ("r1", "body", Finding(3, 19, "EMAIL_ADDRESS", 1.0, EMAIL)),
        ("r1", "body", Finding(25, 30, "PERSON", 0.85, NER_DETECTOR)),
        ("r2", "notes", Finding(0, 8, "PERSON", 1.0, "declared_column")),
    ]
    table = findings_to_table(rows)
    assert table.schema == FINDINGS_SCHEMA
    grouped = group_findings(table)
    assert grouped == {
        ("r1", "body"): [rows[0][2], rows[1][2]],
        ("r2", "notes"): [rows[2][2]],
    }
    assert group_findings(table, columns=["notes"]) == {("r2", "notes"): [rows[2][2]]}
    assert findings_to_table([]).num_rows == 0


def test_when_findings_table_lacks_a_column_then_error() -> None:
    table = findings_to_table([]).drop_columns(["detector"])
    with pytest.raises(ColumnNotFoundError) as caught:
        group_findings(table)
    assert caught.value.column == "detector"


# -- resolution ----------------------------------------------------------------------------


def test_when_url_inside_email_then_url_dropped() -> None:
    text = "mail jane@example.com now"
    email = Finding(5, 21, "EMAIL_ADDRESS", 0.5, EMAIL)
    url = Finding(10, 21, "URL", 0.85, URL)  # e.g. lifted by a "website" context word
    assert resolve_findings(text, [url, email]) == [email]


def test_when_url_not_inside_email_then_kept() -> None:
    text = "mail jane@example.com or see example.org"
    email = Finding(5, 21, "EMAIL_ADDRESS", 1.0, EMAIL)
    url = Finding(29, 40, "URL", 0.5, URL)
    assert resolve_findings(text, [url, email]) == [email, url]


@pytest.mark.parametrize("container", ["CREDIT_CARD", "PHONE_NUMBER", "US_SSN", "IBAN_CODE"])
def test_when_date_inside_number_then_date_dropped_even_if_scored_higher(container: str) -> None:
    text = "x" * 40
    number = Finding(5, 24, container, 0.6, "presidio:X")
    date = Finding(10, 20, "DATE_TIME", 0.85, NER_DETECTOR)
    assert resolve_findings(text, [date, number]) == [number]


def test_when_nhs_number_is_a_phone_number_then_phone_kept() -> None:
    text = "call 212-555-0143"
    phone = Finding(5, 17, "PHONE_NUMBER", 0.6, "presidio:PhoneRecognizer")
    nhs = Finding(5, 17, "UK_NHS", 1.0, "presidio:NhsRecognizer")
    assert resolve_findings(text, [nhs, phone]) == [phone]


def test_when_ner_overlaps_pattern_of_other_type_then_ner_dropped() -> None:
    text = "from john.smith@example.com today"
    email = Finding(5, 27, "EMAIL_ADDRESS", 0.5, EMAIL)
    person = Finding(5, 15, "PERSON", 0.85, NER_DETECTOR)
    assert resolve_findings(text, [person, email]) == [email]


def test_when_ner_name_has_no_letter_then_dropped() -> None:
    text = "order #48213 for Jane"
    number = Finding(6, 12, "ORGANIZATION", 0.85, NER_DETECTOR)
    jane = Finding(17, 21, "PERSON", 0.85, NER_DETECTOR)
    assert resolve_findings(text, [number, jane]) == [jane]


def test_when_overlapping_then_higher_score_wins_then_longer_span() -> None:
    text = "x" * 50
    low_long = Finding(0, 30, "A", 0.5, "presidio:A")
    high_short = Finding(10, 15, "B", 0.9, "presidio:B")
    assert resolve_findings(text, [low_long, high_short]) == [high_short]
    short = Finding(0, 5, "A", 0.7, "presidio:A")
    long = Finding(3, 20, "B", 0.7, "presidio:B")
    assert resolve_findings(text, [short, long]) == [long]


@st.composite
def findings_lists(draw: st.DrawFn) -> list[Finding]:
    items = []
    for _ in range(draw(st.integers(0, 25))):
        start = draw(st.integers(0, 90))
        length = draw(st.integers(1, 10))
        items.append(
            Finding(
                start,
                start + length,
                draw(st.sampled_from(["EMAIL_ADDRESS", "URL", "DATE_TIME", "PERSON", "US_SSN"])),
                draw(st.sampled_from([0.4, 0.5, 0.85, 1.0])),
                draw(st.sampled_from([NER_DETECTOR, "presidio:X"])),
            )
        )
    return items


@settings(max_examples=300, deadline=None)
@given(findings=findings_lists())
def test_resolution_returns_disjoint_sorted_subset(findings: list[Finding]) -> None:
    resolved = resolve_findings("a" * 100, findings)
    assert set(resolved) <= set(findings)
    for first, second in itertools.pairwise(resolved):
        assert first.end <= second.start
    # Over a text of letters, only another finding can push one out.
    for finding in set(findings) - set(resolved):
        assert any(finding.overlaps(other) for other in findings if other != finding)
    # And a finding overlapping nothing is always kept.
    for finding in findings:
        if not any(finding.overlaps(other) for other in findings if other != finding):
            assert finding in resolved
