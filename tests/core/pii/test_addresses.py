"""Address lines joined into one LOCATION span, postcodes read from their place (full mode's
post-resolution pass, vault_core.pii.addresses)."""

from __future__ import annotations

import pytest

from vault_core.pii.addresses import assemble
from vault_core.pii.finding import Finding
from vault_core.pii.gazetteer import GAZETTEER_DETECTOR


def _loc(text: str, value: str, detector: str = "vault:StreetAddress") -> Finding:
    start = text.index(value)
    return Finding(start, start + len(value), "LOCATION", 0.9, detector)


def _spans(text: str, findings: list[Finding]) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.entity_type) for f in findings]


def test_when_parts_follow_on_one_line_then_one_span() -> None:
    text = "Send it to 652 Kuefsteinstrasse 42 Apt. 142 today"
    found = assemble(text, [_loc(text, "652 Kuefsteinstrasse 42"), _loc(text, "Apt. 142")])
    assert _spans(text, found) == [("652 Kuefsteinstrasse 42 Apt. 142", "LOCATION")]


def test_when_capitalised_words_lie_between_address_parts_then_they_join() -> None:
    text = "Apt. 003 KIIKOINEN Finland"
    found = assemble(text, [_loc(text, "Apt. 003"), _loc(text, "Finland", GAZETTEER_DETECTOR)])
    assert _spans(text, found) == [(text, "LOCATION")]


def test_when_a_line_break_separates_street_and_town_then_one_address_block() -> None:
    text = "873 Idrettsveien 37\nSANDEFJORD"
    found = assemble(
        text, [_loc(text, "873 Idrettsveien 37"), _loc(text, "SANDEFJORD", GAZETTEER_DETECTOR)]
    )
    assert _spans(text, found) == [(text, "LOCATION")]


def test_when_a_line_break_separates_two_places_then_two_spans() -> None:
    text = "Lahti\nSANDEFJORD"
    places = [_loc(text, "Lahti", GAZETTEER_DETECTOR), _loc(text, "SANDEFJORD", GAZETTEER_DETECTOR)]
    assert _spans(text, assemble(text, places)) == [
        ("Lahti", "LOCATION"),
        ("SANDEFJORD", "LOCATION"),
    ]


def test_when_street_town_and_country_share_a_line_then_one_span() -> None:
    text = "at 793 Dobrovského 30, Cambre, Spain after"
    parts = [
        _loc(text, "793 Dobrovského 30"),
        _loc(text, "Cambre", GAZETTEER_DETECTOR),
        _loc(text, "Spain", GAZETTEER_DETECTOR),
    ]
    assert _spans(text, assemble(text, parts)) == [
        ("793 Dobrovského 30, Cambre, Spain", "LOCATION")
    ]


def test_when_street_and_town_only_then_the_comma_splits() -> None:
    text = "lives at 046 Tawastintie 3, LAHTI"
    parts = [_loc(text, "046 Tawastintie 3"), _loc(text, "LAHTI", GAZETTEER_DETECTOR)]
    assert len(assemble(text, parts)) == 2


@pytest.mark.parametrize(
    ("text", "place", "postcode"),
    [
        ("Sweden 92807", "Sweden", "92807"),  # after a place
        ("Corvallis 97330 is", "Corvallis", "97330"),
        ("10115 Berlin", "Berlin", "10115"),  # before a city
        ("in WALTERSTONE HR2 0PW now", "WALTERSTONE", "HR2 0PW"),  # UK
        ("Den Helder 1785 KL", "Den Helder", "1785 KL"),  # NL
        ("Wrocław 48-891", "Wrocław", "48-891"),  # PL
    ],
)
def test_when_a_postcode_sits_where_an_address_puts_one_then_zip_code(
    text: str, place: str, postcode: str
) -> None:
    found = assemble(text, [_loc(text, place, GAZETTEER_DETECTOR)])
    assert (postcode, "ZIP_CODE") in _spans(text, found)


def test_when_a_postcode_stands_alone_below_an_address_then_zip_code() -> None:
    # Line breaks escaped in the data (read as breaks): no address block, so the postcode is
    # found by its place (with real breaks the three lines are one LOCATION: test_address_blocks).
    text = "603 Kooli 11 Suite 816\\\n   Soosalu\\\n    78119\\\n"
    found = assemble(text, [_loc(text, "603 Kooli 11 Suite 816")])
    assert ("78119", "ZIP_CODE") in _spans(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "Lahti had 12345 visitors",  # a number after a word, not a place's postcode
        "Order 55210 ships from Lahti soon",
    ],
)
def test_when_a_number_is_not_in_an_address_then_no_zip_code(text: str) -> None:
    found = assemble(text, [_loc(text, "Lahti", GAZETTEER_DETECTOR)])
    assert all(f.entity_type != "ZIP_CODE" for f in found)


def test_when_postcodes_are_not_requested_then_none_added() -> None:
    text = "Sweden 92807"
    found = assemble(text, [_loc(text, "Sweden", GAZETTEER_DETECTOR)], postcodes=False)
    assert _spans(text, found) == [("Sweden", "LOCATION")]
