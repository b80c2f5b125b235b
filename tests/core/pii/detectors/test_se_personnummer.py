"""Swedish personnummer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["730308-0134", "19760905-4577"])
def test_personnummer_with_a_separator_is_found(find: Finder, value: str) -> None:
    assert ("SE_PERSONNUMMER", value) in find(f"Ref {value}")


def test_bare_personnummer_needs_context(find: Finder) -> None:
    assert ("SE_PERSONNUMMER", "7303080134") in find("personnummer 7303080134")
    assert not [f for f in find("Ref 7303080134") if f[0] == "SE_PERSONNUMMER"]


@pytest.mark.parametrize("value", ["730308-0135", "731308-0134", "7303080135"])
def test_wrong_check_digit_or_date_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"personnummer {value}") if f[0] == "SE_PERSONNUMMER"]
