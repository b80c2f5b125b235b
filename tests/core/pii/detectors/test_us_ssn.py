"""US Social Security numbers written in groups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["536-22-1456", "536 22 1456"])
def test_grouped_ssns_are_found(find: Finder, value: str) -> None:
    assert ("US_SSN", value) in find(f"SSN {value} on file")


@pytest.mark.parametrize("value", ["536-22 1456", "536 22-1456", "000-22-1456", "536-22-14567"])
def test_mixed_separators_and_invalid_numbers_are_not(find: Finder, value: str) -> None:
    assert not [f for f in find(f"ref {value} on file") if f[0] == "US_SSN"]
