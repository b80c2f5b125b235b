"""Tests of vault_core.pii.anonymize: texts, tables and policy reports."""

from __future__ import annotations

import logging
from collections import Counter

import pyarrow as pa
import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_core.pii import (
    PRESETS,
    ColumnNotFoundError,
    Finding,
    InvalidFindingError,
    Mask,
    Operator,
    PiiEngine,
    PiiEngineConfig,
    PiiError,
    Policy,
    Redact,
    ReplaceWithType,
    anonymize_table,
    anonymize_text,
    findings_to_table,
    merge_findings,
)

REPLACE = ReplaceWithType()


def replace_all(_entity_type: str) -> Operator:
    return REPLACE


@pytest.fixture(scope="module")
def engine() -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    return engine


# -- texts ---------------------------------------------------------------------------------


def test_when_findings_given_then_each_replaced_right_to_left() -> None:
    text = "Jane Doe <jane@example.com> paid"
    findings = [
        Finding(0, 8, "PERSON", 0.85, "spacy:ner"),
        Finding(10, 26, "EMAIL_ADDRESS", 1.0, "presidio:EmailRecognizer"),
    ]
    assert anonymize_text(text, findings, replace_all) == "<PERSON> <<EMAIL_ADDRESS>> paid"
    assert anonymize_text(text, list(reversed(findings)), replace_all) == (
        "<PERSON> <<EMAIL_ADDRESS>> paid"
    )


def test_when_findings_overlap_then_merged_with_type_of_highest_score() -> None:
    text = "contact john.smith@example.com now"
    findings = [
        Finding(8, 18, "PERSON", 0.85, "spacy:ner"),
        Finding(8, 30, "EMAIL_ADDRESS", 1.0, "presidio:EmailRecognizer"),
        Finding(19, 30, "URL", 0.5, "presidio:UrlRecognizer"),
    ]
    assert anonymize_text(text, findings, replace_all) == "contact <EMAIL_ADDRESS> now"


def test_when_overlap_is_partial_then_union_is_replaced() -> None:
    text = "0123456789abcdef"
    findings = [Finding(2, 8, "A", 0.9, "x"), Finding(6, 12, "B", 0.5, "x")]
    assert anonymize_text(text, findings, replace_all) == "01<A>cdef"


def test_when_spans_touch_then_not_merged() -> None:
    text = "aaabbb"
    findings = [Finding(0, 3, "A", 0.9, "x"), Finding(3, 6, "B", 0.5, "x")]
    assert anonymize_text(text, findings, replace_all) == "<A><B>"


def test_operator_chosen_per_entity_type() -> None:
    text = "card 4111 1111 1111 1234 of Jane"
    findings = [
        Finding(5, 24, "CREDIT_CARD", 1.0, "presidio:CreditCardRecognizer"),
        Finding(28, 32, "PERSON", 0.85, "spacy:ner"),
    ]
    policy = PRESETS["mask-contacts"]
    result = anonymize_text(text, findings, lambda t: policy.operator_for("body", t))
    assert result == "card ***************1234 of <PERSON>"
    redacted = anonymize_text(text, findings, lambda _t: Redact())
    assert redacted == "card  of "


def test_when_no_findings_then_text_unchanged() -> None:
    assert anonymize_text("hello", [], replace_all) == "hello"


def test_when_finding_outside_text_then_error_without_value() -> None:
    with pytest.raises(InvalidFindingError) as caught:
        anonymize_text("short secret", [Finding(6, 40, "PERSON", 0.9, "x")], replace_all)
    assert "secret" not in str(caught.value)
    assert caught.value.text_length == 12


def test_merge_keeps_best_member_and_sorts() -> None:
    merged = merge_findings(
        [
            Finding(20, 25, "C", 0.5, "x"),
            Finding(0, 5, "A", 0.5, "x"),
            Finding(3, 9, "B", 0.5, "y"),  # same score, longer: wins
        ]
    )
    assert merged == [Finding(0, 9, "B", 0.5, "y"), Finding(20, 25, "C", 0.5, "x")]


@st.composite
def findings_in(draw: st.DrawFn, length: int) -> list[Finding]:
    items = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, length))
        items.append(Finding(start, end, draw(st.sampled_from(["A", "B"])), 0.5, "x"))
    return items


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=st.text(min_size=1, max_size=60))
def test_mask_keeps_length_and_every_unflagged_character(data: st.DataObject, text: str) -> None:
    findings = data.draw(findings_in(len(text)))
    masked = anonymize_text(text, findings, lambda _t: Mask(masking_char="\x00"))
    assert len(masked) == len(text)
    covered = {i for f in findings for i in range(f.start, f.end)}
    for index, (before, after) in enumerate(zip(text, masked, strict=True)):
        assert after == ("\x00" if index in covered else before)


# -- planted values never survive ------------------------------------------------------------

FILLER = st.text(
    alphabet=st.characters(
        categories=("Ll", "Lu", "Zs"), include_characters=".,;!?-'\n", codec="utf-8"
    ),
    max_size=40,
)
# The "mx" prefix keeps the domain from being a public suffix itself ("net.io" is one).
EMAILS = st.builds(
    "{}{}@mx{}.{}".format,
    st.from_regex(r"[a-z][a-z0-9]{1,8}", fullmatch=True),
    st.sampled_from(["", ".x", "_7", "+tag"]),
    st.from_regex(r"[a-z]{2,10}(-[a-z]{2,5})?", fullmatch=True),
    st.sampled_from(["com", "org", "net", "io", "de", "co.uk"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fillers=st.lists(FILLER, min_size=2, max_size=6), emails=st.lists(EMAILS, min_size=1))
def test_when_emails_planted_in_filler_then_none_survives_anonymization(
    engine: PiiEngine, fillers: list[str], emails: list[str]
) -> None:
    pieces = [fillers[0]]
    for index, email in enumerate(emails):
        pieces.append(f" {email} ")
        pieces.append(fillers[(index + 1) % len(fillers)])
    text = "".join(pieces)
    findings = engine.detect(text)
    detected = {text[f.start : f.end] for f in findings if f.entity_type == "EMAIL_ADDRESS"}
    assert set(emails) <= detected
    anonymized = anonymize_text(text, findings, replace_all)
    for email in emails:
        assert email not in anonymized
    assert anonymized.count("<EMAIL_ADDRESS>") >= len(set(emails))


# -- tables --------------------------------------------------------------------------------


@pytest.fixture
def table() -> pa.Table:
    return pa.table(
        {
            "record_id": ["a", "b", "c", "d"],
            "body": ["mail jane@example.com", None, "card 4111 1111 1111 1111", "clean"],
            "notes": pa.array(["call Jane", "ip 10.0.0.1", "", None], pa.large_string()),
            "amount": [1.5, 2.0, 3.25, 4.0],
        }
    )


@pytest.fixture
def findings() -> pa.Table:
    return findings_to_table(
        [
            ("a", "body", Finding(5, 21, "EMAIL_ADDRESS", 1.0, "presidio:EmailRecognizer")),
            ("a", "body", Finding(10, 21, "URL", 0.5, "presidio:UrlRecognizer")),
            ("c", "body", Finding(5, 24, "CREDIT_CARD", 1.0, "presidio:CreditCardRecognizer")),
            ("a", "notes", Finding(5, 9, "PERSON", 0.85, "spacy:ner")),
            ("b", "notes", Finding(3, 11, "IP_ADDRESS", 0.95, "presidio:IpRecognizer")),
        ]
    )


def test_when_table_anonymized_then_listed_columns_rewritten_others_untouched(
    table: pa.Table, findings: pa.Table
) -> None:
    policy = Policy(
        name="t",
        entities={"CREDIT_CARD": Mask(keep_last=4)},
        columns={"notes": Redact()},
    )
    result, report = anonymize_table(table, findings, policy, columns=["body", "notes"])
    assert result.schema == table.schema
    assert result.num_rows == table.num_rows
    assert result.column("record_id").equals(table.column("record_id"))
    assert result.column("amount").equals(table.column("amount"))
    assert result.column("body").to_pylist() == [
        "mail <EMAIL_ADDRESS>",
        None,
        "card ***************1111",
        "clean",
    ]
    assert result.column("notes").to_pylist() == ["call ", "ip ", "", None]
    assert report.policy == "t"
    assert report.policy_digest == policy.digest()
    assert report.actions == {
        "EMAIL_ADDRESS": {"replace": 1},  # the URL inside was merged into it
        "CREDIT_CARD": {"mask": 1},
        "PERSON": {"redact": 1},
        "IP_ADDRESS": {"redact": 1},
    }
    assert report.total == 4
    assert report.cells_rewritten == 4


def test_when_column_not_listed_then_left_clear_and_warned(
    table: pa.Table, findings: pa.Table, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="vault_core.pii.anonymize"):
        result, report = anonymize_table(table, findings, PRESETS["default"], columns=["body"])
    assert result.column("notes").equals(table.column("notes"))
    assert set(report.actions) == {"EMAIL_ADDRESS", "CREDIT_CARD"}
    assert "2 findings in columns not listed" in caplog.text
    assert "Jane" not in caplog.text


def test_when_rows_share_an_id_then_both_rewritten(findings: pa.Table) -> None:
    table = pa.table({"record_id": ["a", "a"], "body": ["mail jane@example.com"] * 2})
    result, report = anonymize_table(table, findings, PRESETS["default"], columns=["body"])
    assert result.column("body").to_pylist() == ["mail <EMAIL_ADDRESS>"] * 2
    assert report.actions == {"EMAIL_ADDRESS": {"replace": 2}}


def test_when_column_dictionary_encoded_then_rewritten_as_strings(findings: pa.Table) -> None:
    table = pa.table(
        {
            "record_id": ["a", "c"],
            "body": pa.array(
                ["mail jane@example.com", "card 4111 1111 1111 1111"]
            ).dictionary_encode(),
        }
    )
    result, _ = anonymize_table(table, findings, PRESETS["default"], columns=["body"])
    assert result.column("body").type == pa.string()
    assert result.column("body").to_pylist() == ["mail <EMAIL_ADDRESS>", "card <CREDIT_CARD>"]


def test_when_no_findings_then_table_returned_as_is(table: pa.Table) -> None:
    empty = findings_to_table([])
    result, report = anonymize_table(table, empty, PRESETS["default"], columns=["body"])
    assert result.equals(table)
    assert report.actions == {}
    assert report.total == 0


def test_when_finding_does_not_fit_cell_then_error(table: pa.Table) -> None:
    stale = findings_to_table([("d", "body", Finding(0, 50, "PERSON", 0.9, "x"))])
    with pytest.raises(InvalidFindingError):
        anonymize_table(table, stale, PRESETS["default"], columns=["body"])


def test_when_columns_missing_or_ids_null_then_error(table: pa.Table, findings: pa.Table) -> None:
    with pytest.raises(ColumnNotFoundError):
        anonymize_table(table, findings, PRESETS["default"], columns=["nope"])
    with pytest.raises(ColumnNotFoundError):
        anonymize_table(table, findings, PRESETS["default"], columns=["body"], id_column="id")
    null_ids = table.set_column(0, "record_id", pa.array([None, "b", "c", "d"], pa.string()))
    with pytest.raises(PiiError, match="null"):
        anonymize_table(null_ids, findings, PRESETS["default"], columns=["body"])


def test_end_to_end_report_counts_match_findings(engine: PiiEngine) -> None:
    fake = Faker("en_US")
    fake.seed_instance(5)
    bodies = [
        f"Reach {fake.email()} or card {fake.credit_card_number(card_type='visa16')} "
        f"from {fake.ipv4()} via {fake.url()}"
        for _ in range(60)
    ]
    bodies[7] = bodies[3]  # a duplicate text
    table = pa.table(
        {
            "record_id": [f"r{i}" for i in range(len(bodies))],
            "body": bodies,
            "email": [fake.email() if i % 3 else None for i in range(len(bodies))],
        }
    )
    findings = engine.detect_table(
        table, text_columns=["body"], entity_columns={"email": "EMAIL_ADDRESS"}
    )
    policy = PRESETS["mask-contacts"]
    result, report = anonymize_table(table, findings, policy, columns=["body", "email"])
    expected = Counter(findings.column("entity_type").to_pylist())
    assert report.counts_by_entity() == dict(sorted(expected.items()))
    assert report.actions["CREDIT_CARD"] == {"mask": expected["CREDIT_CARD"]}
    assert report.actions["EMAIL_ADDRESS"] == {"replace": expected["EMAIL_ADDRESS"]}
    assert result.num_rows == table.num_rows
    for before, after in zip(
        table.column("email").to_pylist(), result.column("email").to_pylist(), strict=True
    ):
        assert after == (None if before is None else "<EMAIL_ADDRESS>")
    for after in result.column("body").to_pylist():
        assert "@" not in after
