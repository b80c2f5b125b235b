"""Addresses assembled from their parts, and postcodes read from their place in an address.

Span conventions (``full`` mode, after overlap resolution):

- **One line of an address is one LOCATION span.** Parts of an address written one after the
  other on a line, separated by spaces — a house number, the street, a unit ("Apt. 4"), a post
  box, the city, a region, the country — become one span, with the capitalised words between
  two parts ("Apt. 003 KIIKOINEN Finland"). A number right before an address's house number
  (a building number, "82921 838 Paradise Lane") belongs to it.
- **A comma ends a span** on a line: "Hauptstraße 5, Berlin" is two spans, except that
  "street, town, country" on one line is one.
- **An address over several lines is one span, postcode included**
  (:mod:`vault_core.pii.address_blocks`: a street line, unit lines, then town, region, postcode
  and country lines, each with address evidence). Replacing it removes the postcode with it.
- **Elsewhere a postcode is its own ZIP_CODE span**, so a policy can generalize it apart (HIPAA
  keeps the first three digits of a ZIP). A number of a postcode's shape is a postcode where an
  address puts one: right after a place on its line ("France 04639", "Corvallis 97330"), right
  before a place name ("10115 Berlin"), or alone on a line below an address line. A bare number
  elsewhere is not one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vault_core.pii.address_blocks import ADDRESS_DETECTOR, join_blocks
from vault_core.pii.cued_streets import cued_streets
from vault_core.pii.finding import Finding
from vault_core.pii.gazetteer import GAZETTEER_DETECTOR, PARTICLES

POSTCODE_DETECTOR = "vault:Postcode"
"""Detector name of postcodes read from their place in an address."""
POSTCODE_SCORE = 0.8

# Postcode shapes: US ZIP(+4) and the 4-5 digit forms of most of Europe, "123 45" (SE, CZ,
# SK, GR), "12-345" (PL), "1234-567" (PT), "1234 AB" (NL), UK and Canadian postcodes.
_POSTCODE = re.compile(
    r"(?<![\w.-])(?:[0-9]{5}(?:-[0-9]{4})?|[0-9]{4}(?:-[0-9]{3}| ?[A-Z]{2}(?![\w]))?"
    r"|[0-9]{3} [0-9]{2}|[0-9]{2}-[0-9]{3}"
    r"|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|[A-Z][0-9][A-Z] [0-9][A-Z][0-9])(?![\w-])"
)
# Capitalised words (or ALL CAPS) that may fill the gap between two parts of an address line.
_FILLER = re.compile(r"(?:\s+(?:[A-ZÀ-ÖØ-Þ\u0391-\u03a9][\w'’.-]*|" + "|".join(
    sorted(p for p in PARTICLES if p.isalpha())) + r"))+\s+$")  # fmt: skip
_MAX_FILLER_WORDS = 4
_NUMBER_BEFORE = re.compile(r"(?<![\w.,-])[0-9]{1,6} $")
_LINE_BREAK = re.compile(r"[\n\r]")


def _same_line_gap(text: str, end: int, start: int) -> str | None:
    """The text between two spans if it holds no line break, else None."""
    gap = text[end:start]
    return None if _LINE_BREAK.search(gap) else gap


def _is_address(text: str, finding: Finding) -> bool:
    """A street, a unit or a post box: a LOCATION holding a digit."""
    return any(ch.isdigit() for ch in text[finding.start : finding.end])


def assemble(text: str, findings: Sequence[Finding], *, postcodes: bool = True) -> list[Finding]:
    """``findings`` (resolved: disjoint, sorted) with address lines joined and (``postcodes``)
    postcodes added, still disjoint and sorted by start."""
    merged = cued_streets(text, findings)
    if any(f.entity_type == "LOCATION" for f in merged):
        merged = _join_lines(text, merged)
        if postcodes:
            merged = _with_postcodes(text, merged)
    return join_blocks(text, merged)


def _join_lines(text: str, findings: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    # Where the previous LOCATION ended with a comma: the run of comma-separated parts so far.
    chain: list[int] = []
    for finding in findings:
        if finding.entity_type == "LOCATION" and _is_address(text, finding):
            match = _NUMBER_BEFORE.search(text, 0, finding.start)
            covered = out[-1].end if out else 0
            if match and match.start() >= covered and text[finding.start].isdigit():
                finding = Finding(match.start(), finding.end, "LOCATION", finding.score,
                                  ADDRESS_DETECTOR)  # fmt: skip
        if out and finding.entity_type == "LOCATION" and out[-1].entity_type == "LOCATION":
            previous = out[-1]
            gap = _same_line_gap(text, previous.end, finding.start)
            if gap is not None and _joins(text, previous, finding, gap):
                out[-1] = Finding(previous.start, finding.end, "LOCATION",
                                  max(previous.score, finding.score), ADDRESS_DETECTOR)  # fmt: skip
                continue
            if gap is not None and gap.strip(" ") == ",":
                if not chain:
                    chain.append(len(out) - 1)
                out.append(finding)
                chain.append(len(out) - 1)
                if _country(text, finding) and _is_address(text, out[chain[0]]):
                    # "Street 5, Town, Country": a full address line is one span.
                    first = out[chain[0]]
                    del out[chain[0] :]
                    score = max(first.score, finding.score)
                    out.append(
                        Finding(first.start, finding.end, "LOCATION", score, ADDRESS_DETECTOR)
                    )
                    chain = []
                continue
        chain = []
        out.append(finding)
    return out


def _country(text: str, finding: Finding) -> bool:
    """A country's name (the gazetteer's kind is not kept on findings: read it again)."""
    from vault_core.pii.gazetteer import is_country

    return is_country(text[finding.start : finding.end])


def _joins(text: str, previous: Finding, finding: Finding, gap: str) -> bool:
    if gap.strip(" \t\\") == "":
        return bool(gap)
    # Words between two parts join them only on an address line (a street or unit on one side).
    if not (_is_address(text, previous) or _is_address(text, finding)):
        return False
    match = _FILLER.fullmatch(" " + gap)
    return match is not None and len(gap.split()) <= _MAX_FILLER_WORDS


def _with_postcodes(text: str, findings: list[Finding]) -> list[Finding]:
    added: list[Finding] = []
    for match in _POSTCODE.finditer(text):
        start, end = match.span()
        if _covered(findings, start, end):
            continue
        if (
            _after_place(text, findings, start)
            or _before_place(text, findings, end)
            or (_alone_below_address(text, findings, start, end))
        ):
            added.append(Finding(start, end, "ZIP_CODE", POSTCODE_SCORE, POSTCODE_DETECTOR))
    if not added:
        return findings
    return sorted([*findings, *added], key=lambda f: f.start)


def _covered(findings: Sequence[Finding], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in findings)


def _after_place(text: str, findings: Sequence[Finding], start: int) -> bool:
    for f in findings:
        if f.entity_type == "LOCATION" and f.end <= start and start - f.end <= 2:
            return text[f.end : start] in (" ", ", ")
    return False


def _before_place(text: str, findings: Sequence[Finding], end: int) -> bool:
    for f in findings:
        if f.start >= end and f.start - end <= 1:
            return (
                f.entity_type == "LOCATION"
                and f.detector == GAZETTEER_DETECTOR
                and text[end : f.start] == " "
            )
    return False


def _alone_below_address(text: str, findings: Sequence[Finding], start: int, end: int) -> bool:
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    line_end = len(text)
    for brk in ("\n", "\r"):
        at = text.find(brk, end)
        if at >= 0:
            line_end = min(line_end, at)
    if text[line_start:start].strip(" \t\\}?>|-*") or text[end:line_end].strip(" \t\\.,;"):
        return False
    # An address part on one of the three lines above.
    above = text.rfind("\n", 0, max(0, line_start - 1))
    for _ in range(2):
        above = text.rfind("\n", 0, max(0, above))
    window_start = max(0, above)
    return any(
        f.entity_type == "LOCATION" and window_start <= f.start < line_start for f in findings
    )
