"""US driver's license numbers: state forms found only beside a context word."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize(
    "value",
    [
        "D1234567",
        "777183",
        "88537445865",
        "a000055901610",
        "WD1234567",
        "E679113591542135903",
        "563020886557",
        "0734060A",
        "G158129R",
        "957fD0223",
    ],
)
def test_license_beside_a_context_word_is_found(find: Finder, value: str) -> None:
    assert ("US_DRIVER_LICENSE", value) in find(f"My driver's license number is {value}")


@pytest.mark.parametrize("text", ["Order 777183 shipped", "Invoice 88537445865", "ref a000055901"])
def test_number_without_context_is_not_a_license(find: Finder, text: str) -> None:
    assert not [f for f in find(text) if f[0] == "US_DRIVER_LICENSE"]


def test_card_number_beside_license_stays_a_card(find: Finder) -> None:
    assert ("CREDIT_CARD", "4111111111111111") in find("license fee paid with 4111111111111111")
