"""Digit-string regexes as automata: whole matches equal Python's ``fullmatch``."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.detectors._phone_regions import DEFAULT_PHONE_REGIONS, national_regex
from vault_core.pii.digit_automaton import DigitAutomaton

_REGEXES = [
    r"0(?:1\d{3,5}|2[0-4]\d{2})",
    r"(?:12|3)*4?",
    r"\d+5",
    r"[2-9]\d{2}(?:\d{2}(?:\d{2})?)?",
    r"7|(?:)",
    r"1(?:[0-79]\d{3}(?:\d(?:\d{2})?)?|8[0-24-9]\d{3})",
    r"a?1{2}[0-3]",  # a letter: never in a digit string
]


@cache
def _automaton(regex: str) -> DigitAutomaton | None:
    return DigitAutomaton.of(regex, 13)


def _batch(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in strings]))).astype(np.int64)
    return np.frombuffer("".join(strings).encode(), dtype=np.uint8), offsets


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("0123456789", max_size=13), max_size=40))
def test_when_strings_of_digits_then_same_as_fullmatch(strings: list[str]) -> None:
    for regex in [*_REGEXES, national_regex(tuple(sorted(DEFAULT_PHONE_REGIONS))).pattern]:
        automaton = _automaton(regex)
        assert automaton is not None, regex
        expected = [re.fullmatch(regex, s) is not None for s in strings]
        assert automaton.fullmatch(*_batch(strings)).tolist() == expected, regex


def test_when_phone_plans_then_states_stay_few() -> None:
    automaton = DigitAutomaton.of(national_regex(tuple(sorted(DEFAULT_PHONE_REGIONS))).pattern, 13)
    assert automaton is not None
    assert len(automaton.accepting) < 5_000


@pytest.mark.parametrize("regex", [r"(\d)\1", r"\d+?", r"(?=1)\d", r"\w{3}", r"^1$"])
def test_when_syntax_not_read_then_no_automaton(regex: str) -> None:
    assert DigitAutomaton.of(regex, 13) is None


def test_when_string_longer_than_built_for_then_error() -> None:
    automaton = DigitAutomaton.of(r"\d+", 3)
    assert automaton is not None
    with pytest.raises(ValueError, match="more than 3"):
        automaton.fullmatch(*_batch(["1234"]))


def test_when_empty_batch_then_empty_result() -> None:
    automaton = DigitAutomaton.of(r"\d+", 3)
    assert automaton is not None
    assert automaton.fullmatch(*_batch([])).tolist() == []
