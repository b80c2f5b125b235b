"""Multi-line postal addresses joined into one LOCATION span (vault_core.pii.address_blocks),
through ``assemble`` as the engine calls it."""

from __future__ import annotations

import hashlib

import pytest

from vault_core.pii import PRESETS, Surrogate, anonymize_text, apply_operator
from vault_core.pii.addresses import assemble
from vault_core.pii.finding import NER_DETECTOR, Finding
from vault_core.pii.gazetteer import GAZETTEER_DETECTOR


def _at(text: str, value: str, entity: str, detector: str) -> Finding:
    start = text.index(value)
    return Finding(start, start + len(value), entity, 0.9, detector)


def _street(text: str, value: str) -> Finding:
    return _at(text, value, "LOCATION", "vault:StreetAddress")


def _place(text: str, value: str) -> Finding:
    return _at(text, value, "LOCATION", GAZETTEER_DETECTOR)


def _spans(text: str, findings: list[Finding]) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.entity_type) for f in findings]


def test_when_street_unit_town_and_country_follow_then_one_span_with_the_postcode() -> None:
    text = "Send it to 873 Idrettsveien 37\n Apt. 416\n SANDEFJORD\n Norway 25133 soon"
    parts = [
        _street(text, "873 Idrettsveien 37"),
        _street(text, "Apt. 416"),
        _place(text, "SANDEFJORD"),
        _place(text, "Norway"),
    ]
    assert _spans(text, assemble(text, sorted(parts, key=lambda f: f.start))) == [
        ("873 Idrettsveien 37\n Apt. 416\n SANDEFJORD\n Norway 25133", "LOCATION")
    ]


@pytest.mark.parametrize(
    ("text", "block"),
    [
        # A "Name 12" street and "Town, ST 12345" (no detector's finding at all).
        (
            "with 425 Jalonkatu 34\nUpernavik, QA 72599 for this card",
            "425 Jalonkatu 34\nUpernavik, QA 72599",
        ),
        # US military addresses.
        ("to PSC 4118, Box 8533\nAPO AP 09067 for this card", "PSC 4118, Box 8533\nAPO AP 09067"),
        ("at USNV Janeba\nFPO AE 50395 after", "USNV Janeba\nFPO AE 50395"),
        # A town line unknown to the gazetteer, a missing region ("nan"), a postcode alone.
        ("Meet me at 5250 Odra 7\nEgg\n, nan\n 04214", "5250 Odra 7\nEgg\n, nan\n 04214"),
        # European order: postcode before the town.
        ("Hauptstraße 5\n10115 Berlin", "Hauptstraße 5\n10115 Berlin"),
    ],
)
def test_when_lines_form_a_postal_address_then_one_location(text: str, block: str) -> None:
    assert (block, "LOCATION") in _spans(text, assemble(text, []))


def test_when_an_ner_name_lies_inside_a_block_then_it_is_dropped() -> None:
    text = "to 425 Jalonkatu 34\nUpernavik, QA 72599"
    found = assemble(text, [_at(text, "Upernavik", "ORGANIZATION", NER_DETECTOR)])
    assert _spans(text, found) == [("425 Jalonkatu 34\nUpernavik, QA 72599", "LOCATION")]


@pytest.mark.parametrize(
    "text",
    [
        "Chapter 5\n2020 was a good year",  # a number below "Name 12" is no address
        "Paris\nLondon\nBerlin",  # places without a street
        "Total 12\nnan",
    ],
)
def test_when_lines_hold_no_address_then_nothing_is_joined(text: str) -> None:
    found = assemble(text, [])
    assert all("\n" not in text[f.start : f.end] for f in found)


def test_when_two_streets_follow_each_other_then_the_second_starts_another_address() -> None:
    text = "12 Main Street\n14 Elm Street\nSpringfield"
    parts = [
        _street(text, "12 Main Street"),
        _street(text, "14 Elm Street"),
        _place(text, "Springfield"),
    ]
    spans = _spans(text, assemble(text, parts))
    assert ("12 Main Street", "LOCATION") in spans
    assert ("12 Main Street\n14 Elm Street", "LOCATION") not in spans


def test_when_a_name_line_precedes_the_street_then_it_stays_out() -> None:
    text = "John Smith\n12 Main Street\nSpringfield, IL 62701\nPhone: 555-123-4567"
    parts = [
        _street(text, "12 Main Street"),
        _at(text, "555-123-4567", "PHONE_NUMBER", "vault:Phone"),
    ]
    spans = _spans(text, assemble(text, parts))
    assert ("12 Main Street\nSpringfield, IL 62701", "LOCATION") in spans
    assert ("555-123-4567", "PHONE_NUMBER") in spans


def test_when_another_detectors_finding_is_on_a_line_then_the_block_stops_before_it() -> None:
    text = "12 Main Street\nSpringfield 62701 555-123-4567"
    parts = [
        _street(text, "12 Main Street"),
        _at(text, "555-123-4567", "PHONE_NUMBER", "vault:Phone"),
    ]
    spans = _spans(text, assemble(text, parts))
    assert ("555-123-4567", "PHONE_NUMBER") in spans
    assert all(not (e == "LOCATION" and "555" in v) for v, e in spans)


def test_when_the_line_break_was_escaped_in_the_data_then_lines_stay_apart() -> None:
    # The engine reads "\\n" written out as a break (normalize): "\\" + "\n" here.
    text = "873 Idrettsveien 37\\\n SANDEFJORD\\\n Norway 25133"
    parts = [
        _street(text, "873 Idrettsveien 37"),
        _place(text, "SANDEFJORD"),
        _place(text, "Norway"),
    ]
    spans = _spans(text, assemble(text, parts))
    assert ("873 Idrettsveien 37", "LOCATION") in spans
    assert ("25133", "ZIP_CODE") in spans


def test_when_a_postcode_stands_outside_a_block_then_it_stays_a_zip_code() -> None:
    text = "Lives in Corvallis 97330 now"
    assert ("97330", "ZIP_CODE") in _spans(text, assemble(text, [_place(text, "Corvallis")]))


def _keys(purpose: str) -> bytes:
    return hashlib.sha256(b"test-master" + purpose.encode()).digest()


def test_when_hipaa_preset_replaces_a_block_then_no_postcode_digit_is_left() -> None:
    text = "Ship to 425 Jalonkatu 34\nUpernavik, QA 72599 today; ZIP: 97330"
    policy = PRESETS["hipaa-safe-harbor"]
    found = assemble(text, [])
    found += [f for f in _cue_zip(text) if all(f.start >= g.end for g in found)]
    out = anonymize_text(text, found, lambda entity: policy.operator_for("notes", entity))
    assert out == "Ship to <LOCATION> today; ZIP: 973"


def _cue_zip(text: str) -> list[Finding]:
    start = text.index("97330")
    return [Finding(start, start + 5, "ZIP_CODE", 0.9, "vault:PostcodeAfterCue")]


def test_when_a_block_gets_a_surrogate_then_it_keeps_a_street_and_a_town_line() -> None:
    fake = apply_operator(
        Surrogate(), "425 Jalonkatu 34\nUpernavik, QA 72599", "LOCATION", keys=_keys
    )
    street, town = fake.split("\n")
    assert street[0].isdigit()
    assert town
    assert "72599" not in fake
