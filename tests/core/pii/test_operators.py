"""Tests of vault_core.pii.operators."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from vault_core.pii import Mask, Operator, Redact, ReplaceWithType, apply_operator

OPERATOR = TypeAdapter(Operator)


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (Redact(), "jane@example.com", ""),
        (Mask(), "4111", "****"),
        (Mask(keep_last=4), "4111 1111 1111 1234", "***************1234"),
        (Mask(masking_char="#", keep_last=2), "555-0143", "######43"),
        (Mask(keep_last=4), "1234", "****"),  # never reveal a short value whole
        (Mask(keep_last=9), "abc", "***"),
        (ReplaceWithType(), "Jane", "<PERSON>"),
        (ReplaceWithType(template="[{entity_type}]"), "Jane", "[PERSON]"),
        (ReplaceWithType(template="{{redacted}}"), "Jane", "{redacted}"),
        (ReplaceWithType(template="***"), "Jane", "***"),
    ],
)
def test_apply_operator(op: Operator, value: str, expected: str) -> None:
    assert apply_operator(op, value, "PERSON") == expected


@pytest.mark.parametrize("value", ["a", "4111 1111 1111 1234", "😀é"])
def test_when_masked_then_same_length(value: str) -> None:
    assert len(apply_operator(Mask(keep_last=1), value, "X")) == len(value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "redact"}, Redact()),
        ({"kind": "mask", "keep_last": 4}, Mask(keep_last=4)),
        ({"kind": "replace", "template": "<{entity_type}>"}, ReplaceWithType()),
    ],
)
def test_when_parsed_then_kind_selects_the_class(
    data: dict[str, object], expected: Operator
) -> None:
    assert OPERATOR.validate_python(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "hash"},
        {"kind": "mask", "masking_char": "**"},
        {"kind": "mask", "masking_char": ""},
        {"kind": "mask", "keep_last": -1},
        {"kind": "replace", "template": "<{value}>"},
        {"kind": "replace", "template": "<{entity_type"},
        {"kind": "redact", "extra": 1},
        {},
    ],
)
def test_when_operator_invalid_then_validation_error(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OPERATOR.validate_python(data)


def test_operators_are_immutable() -> None:
    op = Mask(keep_last=4)
    with pytest.raises(ValidationError):
        op.keep_last = 0
