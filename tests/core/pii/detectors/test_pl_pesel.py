"""Polish PESEL numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["56101395064", "77081892974"])
def test_pesel_with_context_is_found(find: Finder, value: str) -> None:
    assert ("PL_PESEL", value) in find(f"PESEL: {value}")


def test_pesel_failing_the_check_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("PESEL: 56101395065") if f[0] == "PL_PESEL"]
    assert not [f for f in find("PESEL: 561013950640") if f[0] == "PL_PESEL"]
    assert not [f for f in find("Tracking 56101395064") if f[0] == "PL_PESEL"]
