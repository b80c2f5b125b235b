"""Indian Aadhaar numbers and PANs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["326450241555", "5268 2289 6740"])
def test_aadhaar_with_context_is_found(find: Finder, value: str) -> None:
    assert ("IN_AADHAAR", value) in find(f"Aadhaar: {value}")


def test_aadhaar_failing_verhoeff_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("Aadhaar: 326450241556") if f[0] == "IN_AADHAAR"]
    assert not [f for f in find("Ticket 5268 2289 6740") if f[0] == "IN_AADHAAR"]


@pytest.mark.parametrize("value", ["ABCPV5487Z", "ABCPL6297E"])
def test_pan_is_found(find: Finder, value: str) -> None:
    assert ("IN_PAN", value) in find(f"PAN {value}")
    assert ("IN_PAN", value) in find(f"Ref {value}")


@pytest.mark.parametrize("value", ["ABCXV5487Z", "ABCPV5487ZZ", "abcpv5487z"])
def test_pan_with_an_unknown_holder_type_or_bad_shape_is_not(find: Finder, value: str) -> None:
    assert not [f for f in find(f"PAN {value}") if f[0] == "IN_PAN"]
