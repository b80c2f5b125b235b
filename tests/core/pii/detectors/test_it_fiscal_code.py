"""Italian codici fiscali."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["RSSMRA69T25F205E", "RSSMRA85P11F205F"])
def test_fiscal_code_is_found(find: Finder, value: str) -> None:
    assert ("IT_FISCAL_CODE", value) in find(f"Codice fiscale: {value}")
    assert ("IT_FISCAL_CODE", value) in find(value)


@pytest.mark.parametrize("value", ["RSSMRA69T25F205A", "RSSMRA69T25F205E1", "XRSSMRA69T25F205E"])
def test_wrong_check_letter_or_inside_a_word_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"codice fiscale {value}") if f[0] == "IT_FISCAL_CODE"]
