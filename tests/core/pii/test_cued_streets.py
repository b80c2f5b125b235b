"""'Name 12' streets after words that announce an address (vault_core.pii.cued_streets)."""

from __future__ import annotations

import pytest

from vault_core.pii.cued_streets import cued_streets
from vault_core.pii.finding import NER_DETECTOR, Finding


def _locations(text: str, findings: list[Finding] | None = None) -> list[str]:
    found = cued_streets(text, findings or [])
    return [text[f.start : f.end] for f in found if f.entity_type == "LOCATION"]


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("The title refers to Kõrkja 83 street in Linaküla.", "Kõrkja 83"),
        ("He lives on the north side of Dalmatinova 5.", "Dalmatinova 5"),
        ("his address: 92572 Sokolská 1737", "92572 Sokolská 1737"),
        ("The restaurant is at 988 Neruda 3970", "988 Neruda 3970"),
        ("The bus station is on Skytebanen 8", "Skytebanen 8"),
        ("Tim lives on Hegyalja út 98. street.", "Hegyalja út 98."),
        ("We moved to U Parku 310, Praha", "U Parku 310"),
    ],
)
def test_when_a_cue_announces_a_name_and_number_then_location(text: str, street: str) -> None:
    assert _locations(text) == [street]


@pytest.mark.parametrize(
    "text",
    [
        "We met at Room 5 yesterday",  # no cue
        "Chapter 12 begins",
        "She lives in 3 rooms",  # no name before the number
        "The meeting is at 10 am",
    ],
)
def test_when_no_cue_or_no_name_then_nothing(text: str) -> None:
    assert _locations(text) == []


def test_when_the_ner_read_the_street_as_an_organization_then_it_gives_way() -> None:
    text = "The title refers to Kõrkja 83 street"
    start = text.index("Kõrkja")
    org = Finding(start, start + 9, "ORGANIZATION", 0.85, NER_DETECTOR)
    found = cued_streets(text, [org])
    assert [(text[f.start : f.end], f.entity_type) for f in found] == [("Kõrkja 83", "LOCATION")]


def test_when_another_detector_found_something_there_then_it_stays() -> None:
    text = "his address: Foo 12"
    start = text.index("Foo")
    date = Finding(start, start + 6, "DATE_TIME", 0.9, "vault:Date")
    assert cued_streets(text, [date]) == [date]


def test_when_a_town_and_its_postcode_follow_lives_in_then_no_street() -> None:
    assert _locations("She lives in Corvallis 97330 now") == []
