"""Australian tax file numbers and Medicare card numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vault_core.pii.detectors.au_ids import medicare_valid

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["155542209", "848 519 869"])
def test_tfn_with_context_is_found(find: Finder, value: str) -> None:
    assert ("AU_TFN", value) in find(f"TFN: {value}")


def test_tfn_failing_the_check_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("TFN: 155542208") if f[0] == "AU_TFN"]
    assert not [f for f in find("Order 155542209") if f[0] == "AU_TFN"]


@pytest.mark.parametrize("value", ["3159086992", "3844 17711 2"])
def test_medicare_with_context_is_found(find: Finder, value: str) -> None:
    assert ("AU_MEDICARE", value) in find(f"Medicare card {value}")


@pytest.mark.parametrize("value", ["3159086982", "7159086992", "315908699"])
def test_medicare_failing_the_check_is_not_found(find: Finder, value: str) -> None:
    assert not medicare_valid(value)
    assert not [f for f in find(f"Medicare card {value}") if f[0] == "AU_MEDICARE"]
