"""Dates in context: weekdays, years after a word that makes them a date, ISO with fractions."""

from __future__ import annotations

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig


@pytest.fixture(scope="module")
def patterns() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def _dates(engine: PiiEngine, text: str) -> list[str]:
    return [text[f.start : f.end] for f in engine.detect(text) if f.entity_type == "DATE_TIME"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("I was born in 1977.", "1977"),
        ("the Civil Rights Act of 2005 protects", "2005"),
        ("During 1972, the firm grew", "1972"),
        ("Zoolander is a 2001 comedy", "2001"),
        ("We'll meet Wednesday at noon", "Wednesday"),
        ("On 1989-04-04 17:06:13.676523, the", "1989-04-04 17:06:13.676523"),
    ],
)
def test_when_date_in_context_then_reported(patterns: PiiEngine, text: str, date: str) -> None:
    assert _dates(patterns, text) == [date]


@pytest.mark.parametrize(
    "text",
    ["we sold 1977 units", "in 1977.5 seconds", "code 2005", "Sundays2", "in 20055 cases"],
)
def test_when_number_is_no_date_then_not_reported(patterns: PiiEngine, text: str) -> None:
    assert _dates(patterns, text) == []
