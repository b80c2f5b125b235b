"""Canadian social insurance numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["475784856", "202-397-923", "202 397 923"])
def test_sin_with_context_is_found(find: Finder, value: str) -> None:
    assert ("CA_SIN", value) in find(f"Social insurance number: {value}")


def test_sin_failing_luhn_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("SIN 475784857") if f[0] == "CA_SIN"]
    assert not [f for f in find("Part 475784856 in stock") if f[0] == "CA_SIN"]
