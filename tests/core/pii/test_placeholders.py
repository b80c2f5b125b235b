"""Placeholders the policy writes lend no context words to the detectors (no spaCy model).

The fail-closed audit re-scans anonymized text with the detectors that did the anonymizing; a
context word inside ``<US_DRIVER_LICENSE>`` once lifted a number beside it that detection,
reading the original text, had rightly left alone, and stopped the run.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest
from presidio_analyzer import Pattern, PatternRecognizer

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.pii.detectors import DetectorRegistry, PresidioDetector
from vault_core.pii.generalize import Generalize
from vault_core.pii.keys import KeyResolver
from vault_core.pii.operators import ReplaceWithType, apply_operator
from vault_core.pii.placeholders import HIDDEN, PLACEHOLDER_RE, context_text
from vault_core.pii.pseudonym import Pseudonym
from vault_core.pii.scan import batches
from vault_core.pii.token import Token


def _keys(purpose: str) -> bytes:
    return hashlib.sha256(b"test-master" + purpose.encode()).digest()


KEYS: KeyResolver = _keys


@pytest.mark.parametrize(
    ("op", "entity_type"),
    [
        (ReplaceWithType(), "US_DRIVER_LICENSE"),
        (Generalize(), "PHONE_NUMBER"),  # a type it cannot coarsen becomes <TYPE>
        (Token(), "US_BANK_NUMBER"),
        (Token(digest_chars=64), "US_SSN"),
        (Pseudonym(), "PHONE_NUMBER"),
    ],
    ids=lambda v: getattr(v, "kind", v),
)
def test_when_operator_writes_a_placeholder_then_the_pattern_matches_it_whole(
    op: ReplaceWithType | Generalize | Token | Pseudonym, entity_type: str
) -> None:
    written = apply_operator(op, "415 555 0132", entity_type, keys=KEYS)
    assert PLACEHOLDER_RE.fullmatch(written), written


@pytest.mark.parametrize(
    "text", ["<phone>", "<PHONE NUMBER>", "<PHONE", "PHONE>", "<_PHONE>", "<PHONE_xyz>"]
)
def test_when_not_a_placeholder_then_context_text_keeps_it(text: str) -> None:
    assert context_text(text) == text


def test_when_placeholders_hidden_then_same_length_and_other_words_kept() -> None:
    pseudonym = "<US_SSN:abcdefghijklmnopqrstuvwxyz>"
    text = f"phone <PHONE_NUMBER> or {pseudonym} ssn"
    hidden = context_text(text)
    assert hidden == "phone " + HIDDEN * 14 + " or " + HIDDEN * len(pseudonym) + " ssn"


# (anonymized text, entity type a placeholder's words alone would lift, the same text with a
# real context word outside the placeholders, the number found there)
CASES = [
    (
        "my card 060424146961 for order <US_DRIVER_LICENSE>",  # the run that stopped
        "US_DRIVER_LICENSE",
        "my driver card 060424146961 for order <US_DRIVER_LICENSE>",
        "060424146961",
    ),
    (
        "<PHONE_NUMBER> 4155550132",
        "PHONE_NUMBER",
        "phone <PHONE_NUMBER> 4155550132",
        "4155550132",
    ),
    (
        "ref 12345678 <US_BANK_NUMBER>",
        "US_BANK_NUMBER",
        "bank ref 12345678 <US_BANK_NUMBER>",
        "12345678",
    ),
    (
        "<US_SSN> 536221234",
        "US_SSN",
        "ssn <US_SSN> 536221234",
        "536221234",
    ),
    (  # a token and a pseudonym name their type too
        "<US_BANK_NUMBER_9f2c1a7e> 123456789 <PHONE_NUMBER:abcdefghijklmnopqrstuvwxyz> 4155550132",
        "US_BANK_NUMBER",
        "account <US_BANK_NUMBER_9f2c1a7e> 123456789",
        "123456789",
    ),
    (  # a pseudonym's base32 can spell a context word ("ssn")
        "<PERSON:aaaassnaaaaaaaaaaaaaaaaaaaaaa> 536221234",
        "US_SSN",
        "<PERSON:aaaassnaaaaaaaaaaaaaaaaaaaaaa> ssn 536221234",
        "536221234",
    ),
]


@pytest.fixture(scope="module")
def engine() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def _found(engine: PiiEngine, texts: list[str], *, columnar: bool) -> list[set[tuple[str, str]]]:
    """What the engine reports in each text, scanned by the columnar pass or the reference
    pass (the engine picks the reference pass for small batches)."""
    small = batches._SMALL_CHARS
    batches._SMALL_CHARS = -1 if columnar else 1 << 30
    try:
        return [
            {(f.entity_type, text[f.start : f.end]) for f in found}
            for text, found in zip(texts, engine.detect_batch(texts), strict=True)
        ]
    finally:
        batches._SMALL_CHARS = small


@pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "reference"])
@pytest.mark.parametrize(("anonymized", "entity", "with_context", "number"), CASES)
def test_when_context_word_only_inside_a_placeholder_then_number_not_lifted(
    engine: PiiEngine,
    anonymized: str,
    entity: str,
    with_context: str,
    number: str,
    columnar: bool,
) -> None:
    bare, real = _found(engine, [anonymized, with_context], columnar=columnar)
    assert {t for t, _ in bare} & {entity} == set(), bare
    assert (entity, number) in real


def test_when_audit_scans_anonymized_table_then_placeholders_lend_no_context(
    engine: PiiEngine,
) -> None:
    # As the anonymized stage's audit scans: detect_table over the anonymized column.
    texts = [anonymized for anonymized, *_ in CASES]
    table = pa.table({"record_id": [f"r{i}" for i in range(len(texts))], "text": texts})
    assert engine.detect_table(table, text_columns=["text"]).num_rows == 0
    with_context = [real for _, _, real, _ in CASES]
    table = pa.table({"record_id": [f"r{i}" for i in range(len(texts))], "text": with_context})
    found = engine.detect_table(table, text_columns=["text"])
    assert set(found["entity_type"].to_pylist()) >= {entity for _, entity, *_ in CASES}


def test_when_presidio_context_word_only_inside_a_placeholder_then_not_lifted() -> None:
    recognizer = PatternRecognizer(
        supported_entity="EMPLOYEE_ID",
        name="EmployeeRecognizer",
        patterns=[Pattern("employee", r"\bE[0-9]{7}\b", 0.3)],
        context=["employee"],
    )
    registry = DetectorRegistry.default()
    registry.add(PresidioDetector(recognizer))
    engine = PiiEngine(PiiEngineConfig(mode="patterns", score_threshold=0.0), detectors=registry)

    def score(text: str) -> float:
        return max(f.score for f in engine.detect(text) if f.entity_type == "EMPLOYEE_ID")

    assert score("<EMPLOYEE_ID> E1234567") == pytest.approx(0.3)
    assert score("employee <EMPLOYEE_ID> E1234567") == pytest.approx(0.65)
