"""Ages next to the words that make a number an age."""

from __future__ import annotations

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig


@pytest.fixture(scope="module")
def patterns() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def _ages(engine: PiiEngine, text: str) -> list[str]:
    return [text[f.start : f.end] for f in engine.detect(text) if f.entity_type == "AGE"]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("she is 42 years old", "42"),
        ("and i'm 39 y/o.", "39"),
        ("aged 7.", "7"),
        ("My brother just turned 73", "73"),
        ("I'll turn 66.", "66"),
        ("Written when he was 80.", "80"),
        ("retired at the age of 50", "50"),
    ],
)
def test_when_number_is_an_age_then_reported(patterns: PiiEngine, text: str, age: str) -> None:
    assert _ages(patterns, text) == [age]


@pytest.mark.parametrize(
    "text",
    ["turn 5.5 degrees", "aged 150", "when he was 5x faster", "turned 0", "room 42 years ago"],
)
def test_when_number_is_no_age_then_not_reported(patterns: PiiEngine, text: str) -> None:
    assert _ages(patterns, text) == []
