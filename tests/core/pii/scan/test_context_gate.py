"""Detectors that pass only with a context word, searched only in the texts holding one."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest

from vault_core.pii.detectors import DetectorRegistry, default_detectors
from vault_core.pii.finding import Finding
from vault_core.pii.joined_text import Corpus
from vault_core.pii.scan import context_gate, scan_texts

_DETECTORS = {d.name: d for d in default_detectors()}
_LICENSE = _DETECTORS["UsDriverLicenseInContext"]
_PLAIN_PHONE = _DETECTORS["PlainPhone"]


def test_only_detectors_lifted_over_the_threshold_by_a_word_are_gated() -> None:
    assert context_gate.gated(_LICENSE, 0.5)
    assert not context_gate.gated(_LICENSE, 0.1)  # it passes without a word
    assert not context_gate.gated(_LICENSE, 0.6)  # it cannot pass at all
    assert not context_gate.gated(_DETECTORS["ZipCode"], 0.5)  # a state before it lifts it too
    assert not context_gate.gated(_DETECTORS["Email"], 0.5)


def test_the_texts_holding_a_word_in_any_case_and_the_hinted_ones_are_chosen() -> None:
    texts = ["no word", "my LICENSE is", "Driving", "x" * 50, "nothing", "ж", "éдlicenseé",
             *["filler"] * 100]  # fmt: skip
    corpus = Corpus.of_texts(texts)
    hinted = np.zeros(len(texts), dtype=bool)
    hinted[4] = True
    chosen = context_gate.texts_to_scan(corpus, [_LICENSE], {_LICENSE.name: hinted})
    assert chosen[_LICENSE.name].tolist() == [1, 2, 4, 6]


def test_common_words_or_large_texts_are_not_gated() -> None:
    common = ["call me"] * 200
    none = np.zeros(len(common), dtype=bool)
    corpus = Corpus.of_texts(common)
    assert context_gate.texts_to_scan(corpus, [_PLAIN_PHONE], {_PLAIN_PHONE.name: none}) == {}
    # One text, but it holds most of the batch's characters.
    texts = ["license " + "9" * 40_000, *["filler"] * 10]
    none = np.zeros(len(texts), dtype=bool)
    corpus = Corpus.of_texts(texts)
    assert context_gate.texts_to_scan(corpus, [_LICENSE], {_LICENSE.name: none}) == {}


def test_the_word_pass_stops_once_the_texts_met_are_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20,000 texts of 406 characters, each with a word: the texts searched in Python may hold
    # a 64th of the batch's characters (313 texts), far fewer than the report limit (1,250).
    corpus = Corpus.of_texts([f"call {'x' * 400}" for _ in range(20_000)])
    limit = context_gate.report_limit(corpus)
    database = context_gate._database(("call",))
    reports: list[int] = []

    class Counted:
        def scan(self, data: bytes, match_event_handler: Callable[..., bool]) -> None:
            def counted(*report: object) -> bool:
                reports.append(1)
                return match_event_handler(*report)

            database.scan(data, match_event_handler=counted)

    monkeypatch.setattr(context_gate, "_database", lambda words: Counted())
    assert context_gate._texts_holding(corpus, ("call",), limit) is None
    # Checked at 64, 128, 256 and 512 reports: the first check past 313 texts stops it.
    assert len(reports) == 512 < limit


def _in_order(found: list[list[Finding]]) -> list[list[Finding]]:
    return [sorted(fs, key=lambda f: (f.start, f.end, f.detector)) for fs in found]


@pytest.mark.parametrize("hint", ["", "driver license"])
def test_when_gated_then_same_findings_as_scanned(
    monkeypatch: pytest.MonkeyPatch, hint: str
) -> None:
    rng = random.Random(11)
    values = ["D1234567", "123456789", "0734060A", "12ABC34567", "5551234567", "é", "ж ", " ",
              "-", "\n", "x" * 30]  # fmt: skip
    words = ["license ", "Driver's ", "LICENCE: ", "call "]
    filler = "Nothing to see in this line of filler text at all, order 12345678. " * 40
    texts = [
        # A few texts with words (the gated detectors are searched in those), most without.
        *(" ".join(rng.choice([*values, *words]) for _ in range(rng.randint(1, 30)))
          for _ in range(6)),
        *(" ".join(rng.choice(values) for _ in range(rng.randint(1, 30))) for _ in range(30)),
        *[filler] * 60,
        "D1234567 license",
        "123456789",
    ]  # fmt: skip
    entities = DetectorRegistry.default().entities
    assert context_gate.ENABLED
    gated = _in_order(scan_texts(texts, entities=entities, threshold=0.5, hint=hint))
    monkeypatch.setattr(context_gate, "ENABLED", False)
    assert _in_order(scan_texts(texts, entities=entities, threshold=0.5, hint=hint)) == gated
    found = [f.detector for fs in gated for f in fs]
    assert found.count("vault:UsDriverLicenseInContext") >= 3
