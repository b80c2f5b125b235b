"""Card and phone detection: true and false positives, Luhn, determinism across processes."""

from __future__ import annotations

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.pii.validators import luhn_valid


@pytest.fixture(scope="module")
def patterns() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("pay with 2382 9550 0362 4953 now", "2382 9550 0362 4953"),  # 2-series Mastercard
        ("maestro 6304 0941 3337 ok", "6304 0941 3337"),  # 12 digits
        ("jcb 2131 091148 64533 ok", "2131 091148 64533"),  # 4-6-5 grouping
        ("visa 4398 0405 0735 6634 360 ok", "4398 0405 0735 6634 360"),  # 19 digits
        ("dashed 4111-1111-1111-1111.", "4111-1111-1111-1111"),
        ("card 4111111111111111", "4111111111111111"),
    ],
)
def test_when_card_passes_luhn_then_reported_whole(
    patterns: PiiEngine, text: str, found: str
) -> None:
    cards = [f for f in patterns.detect(text) if f.entity_type == "CREDIT_CARD"]
    assert [text[f.start : f.end] for f in cards] == [found]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "order 1234567890123 shipped",  # fails Luhn, starts with 1
        "all same 4444 4444 4444 4444",  # Luhn-valid but a placeholder
        "ref 55555-1234",  # too short
    ],
)
def test_when_number_is_not_a_card_then_not_reported(patterns: PiiEngine, text: str) -> None:
    assert not [f for f in patterns.detect(text) if f.entity_type == "CREDIT_CARD"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Call me back on 1-769-976-0163 after 5pm.", "1-769-976-0163"),
        ("mobile (212) 555-0187.", "(212) 555-0187"),
        ("at 415.555.0132 today", "415.555.0132"),
        ("dial +1 415 555 0132", "+1 415 555 0132"),
    ],
)
def test_when_phone_is_formatted_then_reported(patterns: PiiEngine, text: str, found: str) -> None:
    phones = [f for f in patterns.detect(text) if f.entity_type == "PHONE_NUMBER"]
    assert found in [text[f.start : f.end] for f in phones]


@pytest.mark.parametrize(
    # "415-5550-132" is not a North American number but fits a European plan (NationalPhone).
    "text",
    ["version 4155550132", "isbn 978-0-13-468599-1", "id 415-5550-132-88"],
)
def test_when_digits_are_not_phone_shaped_then_no_phone_is_reported(
    patterns: PiiEngine, text: str
) -> None:
    assert not [f for f in patterns.detect(text) if f.entity_type == "PHONE_NUMBER"]


@pytest.mark.parametrize(
    ("digits", "valid"), [("4111111111111111", True), ("4111111111111112", False), ("0", True)]
)
def test_when_luhn_is_computed_then_matches_reference(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


_DETERMINISM_SCRIPT = """
from vault_core.pii import PiiEngine, PiiEngineConfig
texts = [
    "card 4111 1111 1111 1111 was charged, call (212) 555-0187",
    "Call me back on 1-769-976-0163 or +1 415 555 0132, card 2382 9550 0362 4953",
    "visa 4398 0405 0735 6634 360, phone 415.555.0132",
]
engine = PiiEngine(PiiEngineConfig(mode="patterns"))
for found in engine.detect_batch(texts):
    print([(f.start, f.end, f.entity_type, f.detector) for f in found])
"""


def test_when_run_under_different_hash_seeds_then_findings_are_identical() -> None:
    import os
    import subprocess
    import sys

    outputs = {
        subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outputs) == 1
