"""Obfuscated PII (Unicode spaces, invisible characters, dashes, full-width forms, look-alike
letters) is found at its original offsets and gone after anonymization (issue 12, item 3)."""

from __future__ import annotations

from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig, anonymize_table
from vault_core.pii.normalize import normalize_text
from vault_core.pii.policy import PRESETS


class Case(NamedTuple):
    text: str
    value: str
    entity: str


_CARD = "4111 1111 1111 1111"
_PHONE = "415 555 0132"


def _sep(value: str, separator: str) -> str:
    return value.replace(" ", separator)


def _between(value: str, mark: str) -> str:
    return mark.join(value.replace(" ", ""))


def _wide(value: str) -> str:
    return "".join(chr(ord(c) - 0x30 + 0xFF10) if c.isdigit() else c for c in value)


_VARIANTS = {
    # The 20 variants of the hostile test.
    "card-nbsp": ("card {}", _sep(_CARD, "\u00a0"), "CREDIT_CARD"),
    "card-narrow-nbsp": ("card {}", _sep(_CARD, "\u202f"), "CREDIT_CARD"),
    "card-zwsp": ("card {}", _between(_CARD, "\u200b"), "CREDIT_CARD"),
    "card-zwnj": ("card {}", _between(_CARD, "\u200c"), "CREDIT_CARD"),
    "card-zwj": ("card {}", _between(_CARD, "\u200d"), "CREDIT_CARD"),
    "card-word-joiner": ("card {}", _between(_CARD, "\u2060"), "CREDIT_CARD"),
    "card-bom": ("card {}", _between(_CARD, "\ufeff"), "CREDIT_CARD"),
    "phone-nbsp": ("call {} today", _sep(_PHONE, "\u00a0"), "PHONE_NUMBER"),
    "phone-narrow-nbsp": ("call {} today", _sep(_PHONE, "\u202f"), "PHONE_NUMBER"),
    "phone-zwsp": ("call {} today", _sep(_PHONE, "-\u200b"), "PHONE_NUMBER"),
    "phone-zwnj": ("call {} today", _sep(_PHONE, "\u200c-"), "PHONE_NUMBER"),
    "phone-zwj": ("phone {} today", _between(_PHONE, "\u200d"), "PHONE_NUMBER"),
    "phone-word-joiner": ("phone {} today", _between(_PHONE, "\u2060"), "PHONE_NUMBER"),
    "phone-bom": ("call {} today", _sep(_PHONE, "\ufeff-"), "PHONE_NUMBER"),
    "ssn-en-dash": ("ssn {}", "536\u201322\u20131234", "US_SSN"),
    "ssn-full-width": ("ssn {}", _wide("536-22-1234"), "US_SSN"),
    "email-idn": ("mail {} now", "j\u00fcrgen@m\u00fcnchen.de", "EMAIL_ADDRESS"),
    "email-full-width-at": ("mail {} now", "jane\uff20example.com", "EMAIL_ADDRESS"),
    "iban-nbsp": ("iban {}", "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000", "IBAN_CODE"),
    "email-cyrillic": ("mail {} now", "j\u0430ne.d\u043ee@ex\u0430mple.com", "EMAIL_ADDRESS"),
    # More.
    "card-em-dash": ("card {}", _sep(_CARD, "\u2014"), "CREDIT_CARD"),
    "card-full-width": ("card {}", _wide(_CARD), "CREDIT_CARD"),
    "card-ideographic-space": ("card {}", _sep(_CARD, "\u3000"), "CREDIT_CARD"),
    "card-soft-hyphen": ("card {}", _between(_CARD, "\u00ad"), "CREDIT_CARD"),
    "card-bidi-marks": ("card {}", _between(_CARD, "\u200e"), "CREDIT_CARD"),
    "ssn-minus-sign": ("ssn {}", "536\u221222\u22121234", "US_SSN"),
    "ssn-non-breaking-hyphen": ("ssn {}", "536\u201122\u20111234", "US_SSN"),
    "ssn-arabic-indic": ("ssn {}", "\u0665\u0663\u0666-22-1234", "US_SSN"),
    "phone-full-width": ("call {} today", _wide("415-555-0132"), "PHONE_NUMBER"),
    "email-zwsp-in-domain": ("mail {} now", "jane@exam\u200bple.com", "EMAIL_ADDRESS"),
    "email-full-width-letters": ("mail {} now", "\uff4a\uff41\uff4e\uff45@example.com",
                                 "EMAIL_ADDRESS"),
    "email-decomposed-idn": ("mail {} now", "ju\u0308rgen@mu\u0308nchen.de", "EMAIL_ADDRESS"),
    "email-greek": ("mail {} now", "j\u03bfhn@ex\u03b1mple.com", "EMAIL_ADDRESS"),
    "email-full-width-dot": ("mail {} now", "jane@example\uff0ecom", "EMAIL_ADDRESS"),
    "iban-zwsp": ("iban {}", "DE89\u200b3704\u200b0044\u200b0532\u200b0130\u200b00", "IBAN_CODE"),
    "ip-full-width-dots": ("host {} up", "192\uff0e168\uff0e1\uff0e10", "IP_ADDRESS"),
}  # fmt: skip
CASES = {name: Case(t.format(v), v, e) for name, (t, v, e) in _VARIANTS.items()}

# Look-alike letters inside names: only the NER finds those.
NAME_CASES = {
    "name-cyrillic": Case(
        "Yesterday we met J\u043ehn Sm\u0456th at the office.", "J\u043ehn Sm\u0456th", "PERSON"
    ),
    "name-greek": Case(
        "Yesterday we met J\u03bfhn Smith at the office.", "J\u03bfhn Smith", "PERSON"
    ),
}


@pytest.fixture(scope="module")
def patterns_engine() -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    return engine


@pytest.fixture(scope="module")
def full_engine() -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="full"))
    engine.load()
    return engine


def _assert_gone(value: str, output: str) -> None:
    plain = normalize_text(value)[0]
    assert value not in output
    assert plain not in output
    assert plain not in normalize_text(output)[0]


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_when_obfuscated_then_found_over_the_original_characters(
    patterns_engine: PiiEngine, case: Case
) -> None:
    start = case.text.index(case.value)
    spans = {(f.start, f.end, f.entity_type) for f in patterns_engine.detect(case.text)}
    assert (start, start + len(case.value), case.entity) in spans


@pytest.mark.parametrize("case", list(NAME_CASES.values()), ids=list(NAME_CASES))
def test_when_name_has_look_alike_letters_then_ner_finds_it(
    full_engine: PiiEngine, case: Case
) -> None:
    start = case.text.index(case.value)
    spans = {(f.start, f.end, f.entity_type) for f in full_engine.detect(case.text)}
    assert (start, start + len(case.value), case.entity) in spans


def _table(cases: dict[str, Case]) -> pa.Table:
    # A long row takes the batch past the small-batch limit: the columnar pass scans it.
    filler = "Nothing to see here, just words \u00e9t\u00e9 and more words. " * 60
    texts = [case.text for case in cases.values()]
    texts.append(filler + " ".join(texts) + filler)
    return pa.table({"record_id": [f"r{i}" for i in range(len(texts))], "body": texts})


@pytest.mark.parametrize("mode", ["patterns", "full"])
def test_when_anonymized_with_default_policy_then_no_obfuscated_value_left(
    request: pytest.FixtureRequest, mode: str
) -> None:
    engine: PiiEngine = request.getfixturevalue(f"{mode}_engine")
    cases = CASES if mode == "patterns" else {**CASES, **NAME_CASES}
    table = _table(cases)
    findings = engine.detect_table(table, text_columns=["body"])
    result, _ = anonymize_table(table, findings, PRESETS["default"], columns=["body"])
    out = result.column("body").to_pylist()
    for row, case in enumerate(cases.values()):
        _assert_gone(case.value, out[row])
        _assert_gone(case.value, out[-1])
        assert f"<{case.entity}>" in out[row]


def test_when_long_text_then_columnar_pass_maps_offsets_back(patterns_engine: PiiEngine) -> None:
    table = _table(CASES)
    long_text = table.column("body")[-1].as_py()
    assert len(long_text) > 4096  # past the small-batch limit: the columnar pass runs
    findings = patterns_engine.detect_table(table, text_columns=["body"])
    last = findings.filter(pc.equal(findings.column("record_id"), f"r{len(CASES)}"))
    columnar = set(
        zip(
            last.column("start").to_pylist(),
            last.column("end").to_pylist(),
            last.column("entity_type").to_pylist(),
            strict=True,
        )
    )
    for case in CASES.values():
        start = long_text.index(case.text) + case.text.index(case.value)
        assert (start, start + len(case.value), case.entity) in columnar
