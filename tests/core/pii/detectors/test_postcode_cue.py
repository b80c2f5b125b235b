"""Postcodes after the words that name one, in both passes (columnar and match by match)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("ZIP: 5010", "5010"),
        ("My zip code is 2097", "2097"),
        ("My zip code is 795 01", "795 01"),
        ("My zip code is 15-644", "15-644"),
        ("Postal code: T2P 0H3 please", "T2P 0H3"),
        ("postcode SW1A 1AA.", "SW1A 1AA"),
        ("ZIP 2870-021", "2870-021"),
        ("PLZ 10115 Berlin", "10115"),
        ("post code 1785 KL", "1785 KL"),
        ("zip: 510", "510"),
    ],
)
def test_when_a_postcode_follows_its_cue_then_zip_code(
    find: Finder, text: str, postcode: str
) -> None:
    assert ("ZIP_CODE", postcode) in find(text)


@pytest.mark.parametrize(
    "text",
    [
        "My zip code is 20971234",  # too long for any postcode
        "the zipper is 2097",
        "order 2097 shipped",  # no cue
        "zip code is 12",
    ],
)
def test_when_no_cue_or_no_postcode_shape_then_no_zip_code(find: Finder, text: str) -> None:
    assert all(entity != "ZIP_CODE" for entity, _ in find(text))
