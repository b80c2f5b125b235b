"""European street address forms: type word first, type as a suffix, unit lines."""

from __future__ import annotations

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig


@pytest.fixture(scope="module")
def patterns() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def _places(engine: PiiEngine, text: str) -> list[str]:
    return [text[f.start : f.end] for f in engine.detect(text) if f.entity_type == "LOCATION"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("She lives at Via Franscini 71, Lugano", "Via Franscini 71"),
        ("write to 12 rue de la Paix, Paris", "12 rue de la Paix"),
        ("Hauptstraße 5 in Berlin", "Hauptstraße 5"),
        ("Puruntie 82, Helsinki", "Puruntie 82"),
        ("at Kerkstraat 12a", "Kerkstraat 12a"),
        ("ul. Filtrowa 70, Warszawa", "ul. Filtrowa 70"),
        ("7766 Zistelweg 32\n", "7766 Zistelweg 32"),
        ("Strandalléen 26 is", "Strandalléen 26"),
        ("Avenida Nova 65", "Avenida Nova 65"),
        ("then Suite 605 on the left", "Suite 605"),
        ("send it to P.O. Box 255.", "P.O. Box 255"),
    ],
)
def test_when_address_then_reported(patterns: PiiEngine, text: str, address: str) -> None:
    assert address in _places(patterns, text)


@pytest.mark.parametrize(
    "text",
    ["Chapter 5 of the book", "Windows 10 is installed", "the ring 5 times", "Spring 2020"],
)
def test_when_no_address_then_not_reported(patterns: PiiEngine, text: str) -> None:
    assert _places(patterns, text) == []
