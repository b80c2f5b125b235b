"""UK NHS and National Insurance numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize(
    "text",
    ["NHS number: 609 139 0996", "nhs no 6091390996.", "Patient NHS 907-866-6617"],
)
def test_nhs_number_with_context_is_found(find: Finder, text: str) -> None:
    value = text.split(maxsplit=2)[-1].split(": ")[-1].rstrip(".").removeprefix("no ")
    assert ("UK_NHS", value) in find(text)


def test_nhs_number_failing_the_check_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("NHS number: 609 139 0997") if f[0] == "UK_NHS"]
    assert not [f for f in find("Reference 609 139 0996 attached") if f[0] == "UK_NHS"]


@pytest.mark.parametrize("value", ["AB 12 34 56 C", "JG103759A", "ce123456d".upper()])
def test_nino_is_found(find: Finder, value: str) -> None:
    assert ("UK_NINO", value) in find(f"National insurance number {value} on file")


@pytest.mark.parametrize("value", ["GB 12 34 56 C", "QQ123456C", "AB123456E", "AB12345C"])
def test_nino_with_a_prefix_never_issued_or_bad_shape_is_not(find: Finder, value: str) -> None:
    assert not [f for f in find(f"NINO {value}") if f[0] == "UK_NINO"]
