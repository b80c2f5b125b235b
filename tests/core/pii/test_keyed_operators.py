"""Tests of the keyed operators: token, surrogate, pseudonym (and keys at apply time)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import (
    Finding,
    Generalize,
    KeyResolver,
    Mask,
    MissingKeyError,
    Operator,
    PolicyError,
    Pseudonym,
    PseudonymError,
    Redact,
    ReplaceWithType,
    Surrogate,
    Token,
    anonymize_text,
    apply_operator,
    decrypt_pseudonym,
    reveal,
)
from vault_core.pii.canonical import canonical_value


def resolver(secret: bytes) -> KeyResolver:
    def keys(purpose: str) -> bytes:
        return hashlib.sha256(secret + purpose.encode()).digest()

    return keys


KEYS = resolver(b"test-master")
OTHER_KEYS = resolver(b"other-master")


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# -- token -----------------------------------------------------------------------------------


def test_when_tokenized_then_typed_hex_token() -> None:
    token = apply_operator(Token(), "jane@example.com", "EMAIL_ADDRESS", keys=KEYS)
    assert re.fullmatch(r"<EMAIL_ADDRESS_[0-9a-f]{8}>", token)


def test_when_same_value_then_same_token_and_other_key_gives_other_token() -> None:
    first = apply_operator(Token(), "jane@example.com", "EMAIL_ADDRESS", keys=KEYS)
    assert apply_operator(Token(), " Jane@Example.com", "EMAIL_ADDRESS", keys=KEYS) == first
    assert apply_operator(Token(), "jane@example.com", "EMAIL_ADDRESS", keys=OTHER_KEYS) != first
    other_name = Token(key_name="hr")
    assert apply_operator(other_name, "jane@example.com", "EMAIL_ADDRESS", keys=KEYS) != first
    sensitive = Token(case_sensitive=True)
    assert apply_operator(sensitive, "Jane", "PERSON", keys=KEYS) != apply_operator(
        sensitive, "jane", "PERSON", keys=KEYS
    )


def test_when_token_is_unsalted_sha256_guess_then_it_does_not_match() -> None:
    # The classic brute force: hash a candidate list without the key.
    token = apply_operator(Token(digest_chars=64), "jane@example.com", "EMAIL_ADDRESS", keys=KEYS)
    assert hashlib.sha256(b"jane@example.com").hexdigest() not in token


@pytest.mark.parametrize("op", [Token(), Surrogate(), Pseudonym()])
def test_when_keyed_operator_has_no_key_then_missing_key_error(op: Operator) -> None:
    with pytest.raises(MissingKeyError) as info:
        apply_operator(op, "jane@example.com", "EMAIL_ADDRESS")
    assert "jane" not in str(info.value)
    assert info.value.purpose.startswith("vault/pii/")


def test_when_key_resolver_returns_short_key_then_policy_error() -> None:
    with pytest.raises(PolicyError):
        apply_operator(Token(), "x@example.com", "EMAIL_ADDRESS", keys=lambda _: b"short")


@pytest.mark.parametrize(
    "data", [{"kind": "token", "template": "<{entity_type}>"}, {"kind": "token", "key_name": "A B"}]
)
def test_when_token_config_invalid_then_rejected(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"template|key_name"):
        Token.model_validate(data)


# -- surrogate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_type", "value", "shape"),
    [
        ("EMAIL_ADDRESS", "jane.doe@acme.io", r"[a-z]+\.[a-z]+\d\d@example\.(com|org|net)"),
        ("PHONE_NUMBER", "(415) 555-0132", r"\([2-9]\d\d\) \d{3}-\d{4}"),
        ("PHONE_NUMBER", "+44 20 7946 0958", r"\+[2-9]\d \d\d \d{4} \d{4}"),
        ("PERSON", "Jane Doe", r"[A-Z][a-z]+ [A-Z]\. [A-Z][a-z]+"),
        ("PERSON", "Jane", r"[A-Z][a-z]+"),
        ("IP_ADDRESS", "10.1.2.3", r"(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}"),
        ("IP_ADDRESS", "fe80::1", r"2001:db8::[0-9a-f]+:[0-9a-f]+"),
        ("DATE_TIME", "1985-03-14", r"\d{4}-\d\d-\d\d"),
        ("DATE_TIME", "3/14/1985", r"\d\d/\d\d/\d{4}"),
        ("LOCATION", "1600 Pennsylvania Avenue", r"\d{1,4} [A-Z][a-z]+ [A-Z][a-z]+"),
        ("US_SSN", "123-45-6789", r"\d{3}-\d\d-\d{4}"),
        ("MAC_ADDRESS", "02:00:5e:10:00:1a", r"([0-9a-f]{2}:){5}[0-9a-f]{2}"),
    ],
)
def test_when_surrogated_then_same_shape_and_not_the_original(
    entity_type: str, value: str, shape: str
) -> None:
    fake = apply_operator(Surrogate(), value, entity_type, keys=KEYS)
    assert re.fullmatch(shape, fake), fake
    assert value not in fake
    assert apply_operator(Surrogate(), value, entity_type, keys=KEYS) == fake


@pytest.mark.parametrize(
    "card", ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "4012888888881881"]
)
def test_when_card_surrogated_then_luhn_valid_same_length_and_grouping(card: str) -> None:
    fake = apply_operator(Surrogate(), card, "CREDIT_CARD", keys=KEYS)
    assert luhn_ok(fake)
    assert fake != card
    assert re.sub(r"\d", "9", fake) == re.sub(r"\d", "9", card)


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"])
def test_when_iban_surrogated_then_mod97_valid_same_country(iban: str) -> None:
    fake = apply_operator(Surrogate(), iban, "IBAN_CODE", keys=KEYS)
    assert iban_ok(fake)
    assert fake[:2] == iban[:2]
    assert len(fake) == len(iban)
    assert fake != iban


def test_when_surrogate_key_differs_then_surrogate_differs() -> None:
    values = [f"user{i}@example.com" for i in range(20)]
    ours = [apply_operator(Surrogate(), v, "EMAIL_ADDRESS", keys=KEYS) for v in values]
    theirs = [apply_operator(Surrogate(), v, "EMAIL_ADDRESS", keys=OTHER_KEYS) for v in values]
    assert ours != theirs


# -- pseudonym -------------------------------------------------------------------------------


def test_when_pseudonymized_then_deterministic_and_reveal_gives_value_back() -> None:
    text = "mail jane@example.com now"
    findings = [Finding(5, 21, "EMAIL_ADDRESS", 1.0, "test")]
    out = anonymize_text(text, findings, lambda _: Pseudonym(), keys=KEYS)
    assert "jane@example.com" not in out
    assert out == anonymize_text(text, findings, lambda _: Pseudonym(), keys=KEYS)
    assert reveal(out, KEYS) == text


def test_when_pseudonym_revealed_with_wrong_key_then_pseudonym_error() -> None:
    pseudonym = apply_operator(Pseudonym(), "Jane Doe", "PERSON", keys=KEYS)
    # The canonical form is what was encrypted.
    assert decrypt_pseudonym(pseudonym, KEYS) == ("PERSON", "jane doe")
    with pytest.raises(PseudonymError) as info:
        decrypt_pseudonym(pseudonym, OTHER_KEYS)
    assert "Jane" not in str(info.value)
    with pytest.raises(PseudonymError):
        decrypt_pseudonym(pseudonym, KEYS, key_name="other")
    with pytest.raises(MissingKeyError):
        reveal(pseudonym, None)  # type: ignore[arg-type]


def test_when_pseudonym_retyped_or_tampered_then_pseudonym_error() -> None:
    pseudonym = apply_operator(Pseudonym(), "Jane Doe", "PERSON", keys=KEYS)
    with pytest.raises(PseudonymError):
        decrypt_pseudonym(pseudonym.replace("<PERSON:", "<LOCATION:"), KEYS)
    body = pseudonym[len("<PERSON:") : -1]
    flipped = ("b" if body[0] == "a" else "a") + body[1:]
    with pytest.raises(PseudonymError):
        decrypt_pseudonym(f"<PERSON:{flipped}>", KEYS)
    with pytest.raises(PseudonymError):
        decrypt_pseudonym("<PERSON:not-base32>", KEYS)


# -- properties ------------------------------------------------------------------------------

_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=1)
VALUES = {
    "EMAIL_ADDRESS": st.from_regex(
        r"[a-z]{3,10}\.[a-z]{3,10}@[a-z]{3,8}\.(com|io|de)", fullmatch=True
    ),
    "PHONE_NUMBER": st.from_regex(r"\(\d{3}\) \d{3}-\d{4}", fullmatch=True),
    "CREDIT_CARD": st.from_regex(r"4\d{3} \d{4} \d{4} \d{4}", fullmatch=True),
    "PERSON": st.from_regex(r"[A-Z][a-z]{3,9} [A-Z][a-z]{3,11}", fullmatch=True),
    "US_SSN": st.from_regex(r"[1-6]\d\d-\d\d-\d{4}", fullmatch=True),
    "DATE_TIME": st.from_regex(
        r"(19[5-9]\d|20[01]\d)-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])", fullmatch=True
    ),
    "ZIP_CODE": st.from_regex(r"\d{5}", fullmatch=True),
    "AGE": st.from_regex(r"age \d{2}", fullmatch=True),
}
IRREVERSIBLE: list[Operator] = [
    Redact(),
    Mask(keep_last=4),
    ReplaceWithType(),
    Token(),
    Surrogate(),
    Generalize(),
]


@st.composite
def document(draw: st.DrawFn) -> tuple[str, list[Finding], list[str]]:
    entity_types = draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=4))
    text, findings, values = "Note:", [], []
    for entity_type in entity_types:
        value = draw(VALUES[entity_type])
        text += " about "
        findings.append(Finding(len(text), len(text) + len(value), entity_type, 0.9, "test"))
        values.append(value)
        text += value
    return text + ".", findings, values


@settings(max_examples=60, deadline=None)
@given(document(), st.sampled_from(IRREVERSIBLE))
def test_when_anonymized_then_no_detected_value_survives(
    doc: tuple[str, list[Finding], list[str]], op: Operator
) -> None:
    text, findings, values = doc
    out = anonymize_text(text, findings, lambda _: op, keys=KEYS)
    for value in values:
        if isinstance(op, Mask) and len(value) <= 4:
            continue  # Mask keeps the last 4 characters in clear by design
        # (Not "value[:-4] not in out": for "00000" the kept "0000" holds the masked "0".)
        assert value not in out


@settings(max_examples=60, deadline=None)
@given(document())
def test_when_pseudonymized_then_round_trips_with_key_and_not_without(
    doc: tuple[str, list[Finding], list[str]],
) -> None:
    text, findings, values = doc
    out = anonymize_text(text, findings, lambda _: Pseudonym(), keys=KEYS)
    assert not [value for value in values if value in out]
    # Each value comes back in its canonical form (its case and format may differ).
    expected = text
    for finding, value in reversed(list(zip(findings, values, strict=True))):
        canonical = canonical_value(finding.entity_type, value)
        expected = expected[: finding.start] + canonical + expected[finding.end :]
    assert reveal(out, KEYS) == expected
    with pytest.raises(PseudonymError):
        reveal(out, OTHER_KEYS)


_SAMPLES = [
    ("EMAIL_ADDRESS", "jane.doe@acme.io"),
    ("PHONE_NUMBER", "(415) 555-0132"),
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("PERSON", "Jane Doe"),
    ("LOCATION", "12 Main Street"),
    ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
]
_CHILD = """
import hashlib, json, sys
from vault_core.pii import Pseudonym, Surrogate, Token, apply_operator
def keys(purpose):
    return hashlib.sha256(b"test-master" + purpose.encode()).digest()
samples = json.loads(sys.argv[1])
print(json.dumps([[apply_operator(op, v, t, keys=keys) for t, v in samples]
                  for op in (Token(), Surrogate(), Pseudonym())]))
"""


def test_when_run_in_processes_with_other_hash_seeds_then_same_tokens_and_surrogates() -> None:
    expected = [
        [apply_operator(op, v, t, keys=KEYS) for t, v in _SAMPLES]
        for op in (Token(), Surrogate(), Pseudonym())
    ]
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(_SAMPLES)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert json.loads(out.stdout) == expected
