"""Keyed operators key on the canonical value: case and format variants of one value get one
token, surrogate and pseudonym; different values different ones (issue 12, item 17)."""

from __future__ import annotations

import hashlib

import pytest

from vault_core.pii import Pseudonym, Surrogate, Token, apply_operator, reveal
from vault_core.pii.canonical import canonical_value
from vault_core.pii.normalize import normalize_text


def keys(purpose: str) -> bytes:
    return hashlib.sha256(b"canonical" + purpose.encode()).digest()


# (entity type, variants of one value, canonical form, a different value)
VARIANTS = [
    ("EMAIL_ADDRESS", ["jane@x.com", "Jane@X.com", "JANE@x.COM ", "jane\uff20x.com",
                       "j\u0430ne@x.com"], "jane@x.com", "jane@y.com"),
    ("EMAIL_ADDRESS", ["J\u00fcrgen@M\u00fcnchen.de", "j\u00fcrgen@m\u00fcnchen.de",
                       "ju\u0308rgen@mu\u0308nchen.de"], "j\u00fcrgen@m\u00fcnchen.de",
     "jurgen@munchen.de"),
    ("PHONE_NUMBER", ["(415) 555-0132", "415.555.0132", "415 555 0132", "415\u00a0555\u00a00132",
                      "\uff14\uff11\uff15-555-0132"], "4155550132", "(415) 555-0133"),
    ("PHONE_NUMBER", ["+1 415 555 0132", "+1-415-555-0132", "+1 (415) 555.0132"],
     "+14155550132", "+1 415 555 0133"),
    ("CREDIT_CARD", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
                     "4111\u200b1111\u200b1111\u200b1111"], "4111111111111111",
     "5500 0000 0000 0004"),
    ("US_SSN", ["536-22-1234", "536 22 1234", "536\u201322\u20131234", "536221234"],
     "536221234", "536-22-1235"),
    ("IBAN_CODE", ["GB82 WEST 1234 5698 7654 32", "gb82west12345698765432",
                   "GB82WEST12345698765432"], "GB82WEST12345698765432",
     "DE89 3704 0044 0532 0130 00"),
    ("PERSON", ["Jane Doe", "jane doe", "JANE  DOE", " Jane\u00a0Doe", "J\u0430ne Doe"],
     "jane doe", "Jane Roe"),
    ("IP_ADDRESS", ["2001:DB8:0:0::1", "2001:db8::1"], "2001:db8::1", "2001:db8::2"),
]  # fmt: skip
IDS = [f"{entity}-{index}" for index, (entity, *_) in enumerate(VARIANTS)]


@pytest.mark.parametrize(("entity", "variants", "canonical", "other"), VARIANTS, ids=IDS)
def test_variants_have_one_canonical_form(
    entity: str, variants: list[str], canonical: str, other: str
) -> None:
    assert {canonical_value(entity, value) for value in variants} == {canonical}
    assert canonical_value(entity, other) != canonical


@pytest.mark.parametrize(("entity", "variants", "canonical", "other"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("op", [Token(), Pseudonym()], ids=["token", "pseudonym"])
def test_when_variants_then_same_token_and_pseudonym(
    op: Token | Pseudonym, entity: str, variants: list[str], canonical: str, other: str
) -> None:
    outputs = {apply_operator(op, value, entity, keys=keys) for value in variants}
    assert len(outputs) == 1
    assert apply_operator(op, other, entity, keys=keys) not in outputs


@pytest.mark.parametrize(("entity", "variants", "canonical", "other"), VARIANTS, ids=IDS)
def test_when_variants_then_same_surrogate(
    entity: str, variants: list[str], canonical: str, other: str
) -> None:
    outputs = [apply_operator(Surrogate(), value, entity, keys=keys) for value in variants]
    # The surrogate keeps each variant's shape (a card its grouping): their canonical forms
    # are one; for e-mails and names the surrogates are equal outright.
    assert len({canonical_value(entity, out) for out in outputs}) == 1
    if entity in {"EMAIL_ADDRESS", "PERSON"}:
        assert len(set(outputs)) == 1
    different = apply_operator(Surrogate(), other, entity, keys=keys)
    assert canonical_value(entity, different) != canonical_value(entity, outputs[0])
    for value, out in zip(variants, outputs, strict=True):
        assert value not in out
        assert normalize_text(value)[0] not in out


def test_when_case_sensitive_token_then_case_variants_differ_but_format_does_not() -> None:
    op = Token(case_sensitive=True)
    assert apply_operator(op, "Jane@X.com", "EMAIL_ADDRESS", keys=keys) != apply_operator(
        op, "jane@x.com", "EMAIL_ADDRESS", keys=keys
    )
    assert apply_operator(op, "(415) 555-0132", "PHONE_NUMBER", keys=keys) == apply_operator(
        op, "415.555.0132", "PHONE_NUMBER", keys=keys
    )


def test_when_pseudonym_revealed_then_canonical_form_comes_back() -> None:
    out = apply_operator(Pseudonym(), "Jane@X.com", "EMAIL_ADDRESS", keys=keys)
    assert reveal(f"mail {out}", keys) == "mail jane@x.com"
    out = apply_operator(Pseudonym(), "+1 (415) 555.0132", "PHONE_NUMBER", keys=keys)
    assert reveal(out, keys) == "+14155550132"


def test_when_surrogate_of_obfuscated_card_then_clean_luhn_card_in_its_grouping() -> None:
    out = apply_operator(
        Surrogate(), "4111\u00a01111\u00a01111\u00a01111", "CREDIT_CARD", keys=keys
    )
    assert out.isascii()
    digits = [int(char) for char in out if char.isdigit()]
    assert len(digits) == 16
    assert out.count(" ") == 3
    checksum = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    assert checksum % 10 == 0


def test_when_no_digits_in_phone_then_keyed_on_text() -> None:
    assert canonical_value("PHONE_NUMBER", " ( ) ") == "( )"
