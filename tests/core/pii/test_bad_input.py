"""Bad input for the engine and the operators: no crash, offsets always valid."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import (
    Generalize,
    Operator,
    PiiEngine,
    PiiEngineConfig,
    Pseudonym,
    Surrogate,
    Token,
    anonymize_text,
    merge_findings,
    reveal,
)
from vault_core.pii.canonical import canonical_value


def keys(purpose: str) -> bytes:
    return hashlib.sha256(b"bad-input" + purpose.encode()).digest()


@pytest.fixture(scope="module")
def engine() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


@pytest.mark.parametrize("value", [None, "", "   ", 42, 3.5, b"jane@example.com", ["x"]])
def test_when_input_is_not_text_then_no_findings_and_no_crash(
    engine: PiiEngine, value: Any
) -> None:
    assert engine.detect(value) == []


def test_when_text_is_5_mb_then_offsets_valid_and_values_found(engine: PiiEngine) -> None:
    block = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 44
    parts = [block + f"mail user{i}@example.com now. " for i in range(2000)]
    text = "".join(parts)
    assert len(text) > 5_000_000
    began = time.perf_counter()
    findings = engine.detect(text)
    assert time.perf_counter() - began < 20
    emails = [f for f in findings if f.entity_type == "EMAIL_ADDRESS"]
    assert len(emails) == 2000
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    assert text[emails[-1].start : emails[-1].end] == "user1999@example.com"


_NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, categories=None),
        st.sampled_from(["\ud800", "\udfff", "😀", "李", "ж", "م", "@", ".", "-", " ", "\x00"]),
    ),
    max_size=200,
)
_PII_BITS = st.sampled_from(
    ["jane@example.com", "(415) 555-0132", "4111 1111 1111 1111", "1985-03-14", "94107", "age 42"]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(_NASTY, _PII_BITS), max_size=6))
def test_when_text_mixes_scripts_and_surrogates_then_offsets_valid(
    engine: PiiEngine, pieces: list[str]
) -> None:
    text = " ".join(pieces)
    findings = engine.detect(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    ops: list[Operator] = [Token(), Surrogate(), Generalize(), Pseudonym()]
    for op in ops:
        out = anonymize_text(text, findings, lambda _, op=op: op, keys=keys)
        assert isinstance(out, str)
    pseudonymized = anonymize_text(text, findings, lambda _: Pseudonym(), keys=keys)
    # Revealed values come back in their canonical form: compare those.
    expected = text
    for finding in reversed(merge_findings(findings)):
        canonical = canonical_value(finding.entity_type, text[finding.start : finding.end])
        expected = expected[: finding.start] + canonical + expected[finding.end :]
    assert reveal(pseudonymized, keys) == expected
