"""Streets written as a name and a house number with no street-type word ("Kõrkja 83",
"Dalmatinova 5", "92572 Sokolská 1737"), found only after words that announce an address
("lives on", "is at", "address is", "moved to") or before "street" (``full`` mode).

Alone, "Name 12" is as often a product, a room or a chapter; the cue makes it a street.
Inside a multi-line address the block's other lines are the cue
(:mod:`vault_core.pii.address_blocks`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vault_core.pii.address_blocks import ADDRESS_DETECTOR, name_number
from vault_core.pii.finding import NER_DETECTOR, Finding

CUED_STREET_SCORE = 0.8
# The look-ahead names the cues' first letters: re then tries the alternation only there (a
# third of the time this search took on the independent corpus; the same matches).
_CUE = re.compile(
    r"(?=[lsiawmce])"
    r"\b(?:(?:lives?|living|lived|located|situated|is|are|was|were|stays?|stayed) (?:on|at)"
    r"|address(?: is|:)|moved (?:in)?to|side of|corner of|entrance on|sent to|send it to)"
    r"(?: the)? ",
    re.IGNORECASE,
)
# Ends of house numbers after a cue, within a phrase.
_NUMBER_END = re.compile(r"[0-9]{1,5}[A-Za-z]?\.?(?=[\s,;:!?)]|$)")
_PHRASE_END = re.compile(r"[\n\r,;:!?()]")
_PHRASE = 60
# House numbers written with a full stop (HU: "Hegyalja út 98."); elsewhere it ends a sentence.
_DOTTED = frozenset(("út", "u.", "utca", "tér", "krt.", "rkp.", "fasor", "köz", "sor"))
_STREET_AFTER = re.compile(r" (?:[Ss]treet|St\.)\b")


def cued_streets(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` (disjoint, sorted) with the cued "Name 12" streets of ``text`` added (NER
    names and places inside one dropped); still disjoint and sorted."""
    out = list(findings)
    for cue in _CUE.finditer(text):
        stop = _PHRASE_END.search(text, cue.end(), cue.end() + _PHRASE)
        limit = stop.start() if stop else min(len(text), cue.end() + _PHRASE)
        for number in _NUMBER_END.finditer(text, cue.end(), limit):
            grown = _with_street(text, cue.end(), number.end(), out)
            if grown is not out:
                out = grown
                break
    for street in _STREET_AFTER.finditer(text):
        start = max(text.rfind("\n", 0, street.start()), text.rfind(". ", 0, street.start()) + 1)
        out = _with_street(text, start + 1, street.start(), out)
    return out


def _with_street(text: str, start: int, end: int, findings: list[Finding]) -> list[Finding]:
    begin = name_number(text, start, end)
    if begin is None:
        return findings
    if text[end - 1] == "." and not _DOTTED & set(text[begin:end].split()):
        end -= 1
    inside = [f for f in findings if f.start < end and begin < f.end]
    if any(
        f.start < begin
        or end < f.end
        or not (f.detector == NER_DETECTOR or f.entity_type == "LOCATION")
        for f in inside
    ):
        return findings
    if any(f.entity_type == "LOCATION" and f.start <= begin and end <= f.end for f in inside):
        return findings  # already found, perhaps longer by a detector's own rule
    kept = [f for f in findings if f not in inside]
    kept.append(Finding(begin, end, "LOCATION", CUED_STREET_SCORE, ADDRESS_DETECTOR))
    return sorted(kept, key=lambda f: f.start)
