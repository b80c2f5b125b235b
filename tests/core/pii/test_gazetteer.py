"""Place names from the offline gazetteers (vault_core.pii.gazetteer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_core.pii import gazetteer as gazetteer_module
from vault_core.pii.finding import NER_DETECTOR, Finding
from vault_core.pii.gazetteer import Gazetteer, Place, is_country, place_findings, relabel_places


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    built = Gazetteer()
    built.load()
    return built


def _places(gazetteer: Gazetteer, text: str, findings: list[Finding] | None = None) -> list[str]:
    found = place_findings(text, gazetteer.places(text), findings or [])
    return [text[f.start : f.end] for f in found]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("She grew up in Tampere.", "Tampere"),
        ("We returned to OULU by helicopter.", "OULU"),  # ALL CAPS
        ("My friend lives in São Paulo", "São Paulo"),  # several words, accents
        ("I will be travelling to Cyprus next week", "Cyprus"),  # a country
        ("Our office moved to Warszawa", "Warszawa"),  # a local (alternate) name
        ("Who's coming to Germany with me?", "Germany"),
        ("Apt. 4\n Aabenraa\n Denmark", "Aabenraa"),  # a line of its own
    ],
)
def test_when_a_place_is_written_as_a_name_then_found(
    gazetteer: Gazetteer, text: str, place: str
) -> None:
    assert place in _places(gazetteer, text)


@pytest.mark.parametrize(
    "text",
    [
        "That is a nice idea.",  # lower case
        "Nice work on the report.",  # a common word ("Nice")
        "Split the bill, please.",
        "please reading the paper",
    ],
)
def test_when_a_place_name_is_a_common_word_then_not_found(gazetteer: Gazetteer, text: str) -> None:
    assert _places(gazetteer, text) == []


def test_when_a_place_lies_inside_an_ner_person_then_dropped(gazetteer: Gazetteer) -> None:
    text = "Ask Otávio Azevedo about it"
    person = Finding(4, 18, "PERSON", 0.85, NER_DETECTOR)
    assert _places(gazetteer, text, [person]) == []


def test_when_a_small_place_follows_a_first_name_then_it_is_a_surname(
    gazetteer: Gazetteer,
) -> None:
    assert "Azevedo" not in _places(gazetteer, "Douglas Azevedo\n")


def test_when_a_place_lies_inside_a_pattern_finding_then_dropped(gazetteer: Gazetteer) -> None:
    text = "Write to P.O. Box 226"
    box = Finding(9, 21, "LOCATION", 0.8, "vault:EuropeanStreetAddress")
    assert _places(gazetteer, text, [box]) == []


def test_when_ner_person_follows_a_place_cue_then_location() -> None:
    text = "Mr. Espinal flew to Albligen on Sunday"
    findings = [Finding(20, 28, "PERSON", 0.85, NER_DETECTOR)]
    relabel_places(text, findings)
    assert findings[0].entity_type == "LOCATION"


def test_when_ner_person_follows_no_cue_then_kept() -> None:
    text = "A letter from Albligen arrived"
    findings = [Finding(14, 22, "PERSON", 0.85, NER_DETECTOR)]
    relabel_places(text, findings)
    assert findings[0].entity_type == "PERSON"


def test_country_names() -> None:
    assert is_country("France")
    assert is_country("UNITED STATES")
    assert not is_country("Paris")


def test_names_kept_beside_the_environment_read_back_as_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gazetteer_module, "cache_path", lambda: tmp_path / "names.tsv")
    assert gazetteer_module._cached_columns() is None  # no file: built in memory
    built = gazetteer_module.large_place_names()
    assert {"Paris", "London", "Virginia"} <= set(built)
    gazetteer_module.build_cache()
    names, kinds, populations = gazetteer_module._cached_columns() or ([], [], [])
    entries = gazetteer_module._entries()
    assert names == list(entries)
    assert [Place(k, p) for k, p in zip(kinds, populations, strict=True)] == [*entries.values()]
    assert (tmp_path / "names.large-places.txt").exists()
    assert gazetteer_module.large_place_names() == built
