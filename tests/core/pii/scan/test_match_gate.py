"""Rare detectors without a width bound, searched only in the texts holding a match."""

from __future__ import annotations

import random

import pytest

from vault_core.pii.detectors import DetectorRegistry, default_detectors
from vault_core.pii.finding import Finding
from vault_core.pii.joined_text import Corpus
from vault_core.pii.scan import match_gate, scan_texts

_DETECTORS = {d.name: d for d in default_detectors()}
_STREET = _DETECTORS["EuropeanStreetAddress"]
_STREETS = ("Via Franscini 71", "12 rue de la Paix", "Hauptstraße 5", "Puruntie 82",
            "ul. Filtrowa 70", "7766 Zistelweg 32", "Avenida Nova Santa Maria Grande 65",
            "Wolfgang-Amadeus-Mozart-Straße 3", "Kerkstraat 12a", "Strandalléen 26")  # fmt: skip


def test_only_rare_unbounded_detectors_hyperscan_runs_exactly_are_gated() -> None:
    assert match_gate.gated(_STREET)
    assert not match_gate.gated(_DETECTORS["UnitLine"])  # not rare
    assert not match_gate.gated(_DETECTORS["Email"])
    assert not any(match_gate.gated(d) for d in default_detectors() if d is not _STREET)


@pytest.mark.parametrize(
    ("regex", "exact"),
    [
        ("[A-Z][a-zé'-]*(?:weg|straße) [0-9]{1,4}", True),
        ("(?:a|b)+?.x[^0-9]", True),
        (r"\d+", False),  # ASCII in Hyperscan, Unicode in Python
        (r"[\w.]+", False),
        (r"\bword", False),
        ("^a", False),
        ("a(?=b)", False),
        ("(a)\\1", False),
        ("(?i)abc", False),
        ("a(?i:b)", False),
        ("a++", False),
    ],
)
def test_exact_regexes_are_those_without_classes_anchors_or_flags(regex: str, exact: bool) -> None:
    assert match_gate.exact_in_hyperscan(regex) is exact


def test_the_texts_holding_a_match_are_chosen() -> None:
    texts = ["nothing here", "lives at Via Franscini 71.", "Via", "x" * 50, "ж Hauptstraße 5",
             "Kerkstraat", *["filler"] * 100]  # fmt: skip
    chosen = match_gate.texts_to_scan(Corpus.of_texts(texts), [_STREET])
    assert chosen[_STREET.name].tolist() == [1, 4]


def test_common_matches_or_large_texts_are_not_gated() -> None:
    common = ["Via Roma 1"] * 200
    assert match_gate.texts_to_scan(Corpus.of_texts(common), [_STREET]) == {}
    texts = ["Hauptstraße 5 " + "a" * 40_000, *["filler"] * 10]
    assert match_gate.texts_to_scan(Corpus.of_texts(texts), [_STREET]) == {}


def _in_order(found: list[list[Finding]]) -> list[list[Finding]]:
    return [sorted(fs, key=lambda f: (f.start, f.end, f.detector)) for fs in found]


def test_when_gated_then_same_findings_as_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    pieces = [*_STREETS, "é", "ж", "Via", "rue de la", "12", ",", "Strasse", "A" + "b" * 45,
              "Kerkstraat", "Apt. 774", "_", ".", "-", " "]  # fmt: skip
    filler = "Nothing to see in this line of filler text at all, order 12345678."
    texts = [
        # A few texts with street forms, back to back and cut short; most without.
        *(" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 15))) for _ in range(4)),
        *[filler] * 3000,
        *_STREETS,
    ]
    entities = DetectorRegistry.default().entities
    assert match_gate.ENABLED
    # The gate is taken: few texts hold a match.
    assert len(match_gate.texts_to_scan(Corpus.of_texts(texts), [_STREET])[_STREET.name]) > 10
    gated = _in_order(scan_texts(texts, entities=entities, threshold=0.0))
    monkeypatch.setattr(match_gate, "ENABLED", False)
    assert _in_order(scan_texts(texts, entities=entities, threshold=0.0)) == gated
    streets = [f for fs in gated for f in fs if f.detector == "vault:EuropeanStreetAddress"]
    assert len(streets) > 15
