"""German tax identification numbers (Steuer-ID)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["81853048729", "31 114 052 968"])
def test_tax_id_with_context_is_found(find: Finder, value: str) -> None:
    assert ("DE_TAX_ID", value) in find(f"Steuer-ID: {value}")


def test_tax_id_failing_the_check_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("Steuer-ID: 81853048728") if f[0] == "DE_TAX_ID"]
    assert not [f for f in find("Order 81853048729 shipped") if f[0] == "DE_TAX_ID"]
