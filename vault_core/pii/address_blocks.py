"""Postal addresses written over several lines, joined into one LOCATION span (``full`` mode).

Convention: consecutive lines that together form one postal address are **one LOCATION span**,
from the first character of the street part to the last of the place part, postcode included:

    Please send it to 873 Idrettsveien 37      <- street part (ends its line)
     Apt. 416                                  <- unit lines (optional)
     SANDEFJORD                                <- place part: town, region, postcode, country
     Norway 25133 before Friday                <- (the last line may go on after the address)

Replacing the span removes the postcode with the rest of the address, which is what HIPAA Safe
Harbor asks of an address; a postcode outside such a block stays a ZIP_CODE span, which the
HIPAA preset generalizes to its first three digits.

Lines are joined only on address evidence, line by line: the first line ends with a street (a
house number and a street found by a detector, a "Name 12" street, a post box, a military
"PSC 1234, Box 5678" / "USNS Name"); then come unit lines ("Apt. 4", "Suite 9"); then place
lines, each one of: a postcode, "Town, ST 12345", "12345 Town", "Country 12345", a country, a
place the gazetteer or NER found, "APO AE 09012"; a line of capitalised words (an unknown town)
or a lone region code (", NSW", "nan") only between such lines. The place part needs a postcode,
a country or a military post line, or else only known places; a second street line ends the
block (a list of addresses stays a list). Person and organization names the NER saw inside the
block are dropped (the NER often reads "Upernavik" or "Greenlander" as one); a block never
overlaps another detector's finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vault_core.pii.finding import NER_DETECTOR, Finding
from vault_core.pii.gazetteer import PARTICLES, is_country

BLOCK_SCORE = 0.85
"""Score of a block made only of parts found here (no detector's finding inside)."""
ADDRESS_DETECTOR = "vault:Address"
"""Detector name of LOCATION spans assembled from several parts."""
_ADDRESS_TYPES = ("LOCATION", "ZIP_CODE")
_BREAK = re.compile(r"\r\n|[\n\r]")

# Postcode shapes: US ZIP(+4) and the 3-5 digit forms of most countries, "123 45" (SE, CZ, SK,
# GR), "12-345" (PL), "1234-567" (PT), "1234 AB" (NL), UK and Canadian postcodes.
POSTCODE = (
    r"(?:[0-9]{5}(?:-[0-9]{4})?|[0-9]{4}(?:-[0-9]{3}| ?[A-Z]{2}(?![\w]))?|[0-9]{3}(?: [0-9]{2})?"
    r"|[0-9]{2}-[0-9]{3}|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|[A-Z][0-9][A-Z] [0-9][A-Z][0-9])"
)
_WORDS = r"[^\W\d_][\w'’.()-]*(?: [^\W\d_][\w'’.()-]*){0,5}"
_REGION = r"(?:[A-Z]{2,4}|nan)"  # "NSW", "QA"; "nan": a missing region written by pandas
_MILITARY_POST = re.compile(rf"(?:APO|FPO|DPO) (?:AA|AE|AP) {POSTCODE}")
_MILITARY_UNIT = re.compile(
    r"(?:PSC|Unit|CMR) [0-9]{3,5},? Box [0-9]{3,5}|(?:USNS|USNV|USS|USCGC) [^\W\d_][\w'’-]*"
    r"(?: [^\W\d_][\w'’-]*)?"
)
_UNIT_LINE = re.compile(
    r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Room|Bldg\.?|Building) ?#?[0-9]{1,5}[A-Z]?"
    r"|(?:P\.? ?O\.? Box|Postbox|Box) [0-9]{1,6}"
)
_UNIT_END = re.compile(r"(?<= )(?:" + _UNIT_LINE.pattern + r")$")
_NUMBER_BEFORE = re.compile(r"(?<!\S)[0-9]{1,6} $")
_POSTCODE_LINE = re.compile(POSTCODE)
_TOWN_REGION_POSTCODE = re.compile(rf"(?P<place>{_WORDS}),? {_REGION} {POSTCODE}")
_POSTCODE_TOWN = re.compile(rf"{POSTCODE} (?P<place>{_WORDS})")
_PLACE_POSTCODE = re.compile(rf"(?P<place>{_WORDS}),? {POSTCODE}")
_REGION_LINE = re.compile(rf",? ?{_REGION}")
# What may follow the address on its last line ("\\n": a line break escaped in the data).
_AFTER_HEAD = re.compile(r"(?:[\s.,;:?!)\\]|$)")
# Lower-case words a street's name may hold: particles ("Rua das Pedras", "U Parku") and
# street-type words ("Ingelbrecht Knudssøns gate 222", "Veres Pálné u. 91.", "Bem rkp. 97.").
# Not all the gazetteer's place particles: "in", "on", "of" come before a sentence's last words.
_STREET_LOWER = frozenset((
    "de", "del", "della", "delle", "dei", "di", "da", "do", "dos", "das", "la", "le", "les",
    "des", "du", "d'", "l'", "y", "e", "el", "los", "las", "van", "von", "der", "den", "am",
    "an", "im", "na", "pod", "nad", "u", "v", "sur", "op", "aan", "het", "ter", "ten",
    "gate", "vei", "veg", "vej", "gata", "gatan", "väg", "vägen", "utca", "u.", "út", "tér",
    "krt.", "rkp.", "fasor", "sor", "köz", "ulica", "ul.", "al.", "os.", "rue", "via", "calle",
    "rua", "cesta", "trg", "náměstí", "straße", "strasse", "str.", "tie", "katu", "kuja",
))  # fmt: skip
_PLACE_LOWER = PARTICLES | {"las", "los", "del", "di", "sur", "am", "an", "der"}
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_HOUSE_NUMBER = re.compile(r"[0-9]{1,5}[A-Za-z]?\.?")
_BUILDING_NUMBER = re.compile(r"[0-9]{1,6}")
_MAX_NAME_WORDS = 4

# Kinds of place lines: a place with a postcode, a country or a military post; a postcode
# alone; a place a detector found; capitalised words; a region code.
_STRONG, _POSTCODE = "strong", "postcode"
_KNOWN, _UNKNOWN, _FILLER = "known", "unknown", "filler"


def join_blocks(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` (disjoint, sorted by start) with each multi-line postal address of ``text``
    made one LOCATION span; still disjoint and sorted."""
    if "\n" not in text and "\r" not in text:
        return list(findings)
    lines = _lines(text)
    out = list(findings)
    index = 0
    floor = 0
    while index < len(lines) - 1:
        block = _block_at(text, lines, index, out, floor)
        if block is None:
            index += 1
            continue
        start, end, last = block
        out = _merged(text, out, start, end)
        # The next address may begin on this one's last line ("APO AE 71511. I now live in
        # 5384 Gunzing 9"): its street starts after this block's end.
        index = last if last > index else last + 1
        floor = end
    return out


def _lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each line's text without leading and trailing whitespace; an empty
    line after a line break escaped in the data, so that no block crosses one."""
    lines = []
    start = 0
    for brk in _BREAK.finditer(text):
        lines.append(_stripped(text, start, brk.start()))
        start = brk.end()
        if brk.start() and text[brk.start() - 1] == "\\":
            lines.append((start, start))
    lines.append(_stripped(text, start, len(text)))
    return lines


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    # The backslash of a line break escaped in the data ("\\n": the engine reads the "n" as a
    # break, vault_core.pii.normalize) is no part of the line.
    while end > start and (text[end - 1].isspace() or text[end - 1] == "\\"):
        end -= 1
    return start, end


def _block_at(
    text: str,
    lines: Sequence[tuple[int, int]],
    first: int,
    findings: Sequence[Finding],
    floor: int,
) -> tuple[int, int, int] | None:
    """``(start, end, last line)`` of the address block whose street ends line ``first`` (and
    begins at ``floor`` or after)."""
    line_start, line_end = lines[first]
    street = _street_tail(text, (max(line_start, floor), line_end), findings)
    if street is None:
        return None
    start, military, found_street = street
    index = first + 1
    while index < len(lines) and _UNIT_LINE.fullmatch(text, *lines[index]):
        index += 1
    kinds: list[str] = []
    end = -1
    last = -1
    for line in range(index, len(lines)):
        line_start, line_end = lines[line]
        if line_start == line_end:
            break
        kind = None
        if not _foreign(findings, line_start, line_end):
            kind = _place_kind(text, line_start, line_end, findings)
        if kind is None:
            head = _place_head(text, line_start, line_end, findings)
            if head is not None and not _foreign(findings, line_start, head[0]):
                kinds.append(head[1])
                end, last = head[0], line
            break
        kinds.append(kind)
        if kind in (_STRONG, _POSTCODE, _KNOWN):
            end, last = line_end, line
    if last < 0:
        return None
    kinds = kinds[: last - index + 1]
    if military and not _MILITARY_POST.match(text, lines[index][0]):
        return None
    # A "Name 12" street or a military unit needs a place part that names a place ("Chapter 5"
    # above a number is no address); a detector's street is enough with a postcode or known
    # places.
    named = _KNOWN in kinds or _UNKNOWN in kinds
    if _STRONG not in kinds and not (
        (_POSTCODE in kinds and (found_street or named))
        or (found_street and all(k == _KNOWN for k in kinds))
    ):
        return None
    return start, end, last


def _foreign(findings: Sequence[Finding], start: int, end: int) -> bool:
    """Whether another detector's finding (not an address part, not the NER) lies in the range."""
    return any(
        f.start < end
        and start < f.end
        and f.entity_type not in _ADDRESS_TYPES
        and f.detector != NER_DETECTOR
        for f in findings
    )


def _street_tail(
    text: str, line: tuple[int, int], findings: Sequence[Finding]
) -> tuple[int, bool, bool] | None:
    """``(start, military, found by a detector)`` of the street that ends ``line``, if any."""
    line_start, line_end = line
    if line_start == line_end:
        return None
    starts: list[int] = []
    found = False
    for f in findings:
        if (
            f.entity_type == "LOCATION"
            and f.end == line_end
            and line_start <= f.start
            and any(ch.isdigit() for ch in text[f.start : f.end])
        ):
            starts.append(f.start)
            found = True
    military = None
    # A "Name 12" street ends in a house number ("12", "12a", "62."); a military unit in a
    # box number or a ship's name.
    last = text[line_end - 1]
    if last.isdigit() or last == "." or text[line_end - 2 : line_end - 1].isdigit():
        named = name_number(text, line_start, line_end)
        if named is not None:
            starts.append(named)
    if last.isdigit() or "US" in text[line_start:line_end]:
        for match in _MILITARY_UNIT.finditer(text, line_start, line_end):
            if match.end() == line_end:
                military = match.start()
                starts.append(military)
    if not starts:
        return None
    start = min(starts)
    # A part that begins before the street belongs to it ("82921 838 Paradise Lane").
    for f in findings:
        if f.entity_type in _ADDRESS_TYPES and f.start < start < f.end:
            start = f.start
    if _foreign(findings, start, line_end):
        return None
    return start, military is not None and start == military, found


def name_number(text: str, line_start: int, line_end: int) -> int | None:
    """Start of a "Name 12" street ("Kõrkja 83", "92572 Sokolská 1737", "U Parku 310") that
    ends the line, perhaps followed by a unit ("Storgarden 52 Apt. 556"): a house number after
    one to four words of a name, perhaps a building number before them."""
    unit = _UNIT_END.search(text, line_start, line_end)
    if unit is not None and unit.start() > line_start:
        street = name_number(text, line_start, unit.start() - 1)
        if street is not None:
            return street
        number = _NUMBER_BEFORE.search(text, line_start, unit.start())
        return unit.start() if number is None else number.start()
    words = [(m.start(), m.group()) for m in re.finditer(r"\S+", text[line_start:line_end])]
    if len(words) < 2 or not _HOUSE_NUMBER.fullmatch(words[-1][1]):
        return None
    names: list[tuple[int, str]] = []
    for position, word in reversed(words[:-1]):
        if len(names) == _MAX_NAME_WORDS or not _name_word(word):
            break
        names.insert(0, (position, word))
    # The name begins with a capital (or a street-type word: "ul. Gdańska 25").
    while names and not (names[0][1][0].isupper() or names[0][1] in _STREET_LOWER):
        names.pop(0)
    if not names:
        return None
    start = names[0][0]
    before = [w for w in words if w[0] < start]
    if before and _BUILDING_NUMBER.fullmatch(before[-1][1]):
        start = before[-1][0]
    return line_start + start


def _name_word(word: str) -> bool:
    if not _WORD.fullmatch(word):
        return False
    return word[0].isupper() or word in _STREET_LOWER


def _place_words(text: str, start: int, end: int, *, max_words: int = 5) -> bool:
    """Whether ``text[start:end]`` is a place's name: capitalised words, particles between."""
    words = text[start:end].replace(",", " ").split()
    if not words or len(words) > max_words or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w in _PLACE_LOWER or w[0] == "(" for w in words)


def _place_kind(text: str, start: int, end: int, findings: Sequence[Finding]) -> str | None:
    """What the whole line ``text[start:end]`` is in an address's place part, if anything."""
    if _MILITARY_POST.fullmatch(text, start, end):
        return _STRONG
    if _POSTCODE_LINE.fullmatch(text, start, end):
        return _POSTCODE
    for pattern in (_TOWN_REGION_POSTCODE, _POSTCODE_TOWN, _PLACE_POSTCODE):
        match = pattern.fullmatch(text, start, end)
        if match and _place_words(text, *match.span("place")):
            return _STRONG
    if _REGION_LINE.fullmatch(text, start, end):
        return _FILLER
    if is_country(text[start:end]):
        return _STRONG
    for f in findings:
        if f.entity_type == "LOCATION" and f.start == start and f.end == end:
            # A second street is the next address of a list, not this one's place.
            return None if any(ch.isdigit() for ch in text[start:end]) else _KNOWN
    if _place_words(text, start, end, max_words=4):
        # "Cyprus (Greek)": a country first.
        for f in findings:
            if (
                f.start == start
                and f.entity_type == "LOCATION"
                and is_country(text[f.start : f.end])
            ):
                return _STRONG
        return _UNKNOWN
    return None


def _place_head(
    text: str, start: int, end: int, findings: Sequence[Finding]
) -> tuple[int, str] | None:
    """End of a place part that begins the line and ends before other words: the address's
    last line inside a sentence ("DPO AE 71511. I now live in ...")."""
    for pattern in (_MILITARY_POST, _TOWN_REGION_POSTCODE, _PLACE_POSTCODE, _POSTCODE_LINE):
        match = pattern.match(text, start, end)
        if match is None or not _AFTER_HEAD.match(text, match.end()):
            continue
        if "place" in pattern.groupindex and not _place_words(text, *match.span("place")):
            continue
        return match.end(), _POSTCODE if pattern is _POSTCODE_LINE else _STRONG
    for f in findings:
        # A place a detector found ("Slovenia for this card").
        if (
            f.start == start
            and f.entity_type == "LOCATION"
            and not any(ch.isdigit() for ch in text[f.start : f.end])
            and _AFTER_HEAD.match(text, f.end)
        ):
            return f.end, _STRONG if is_country(text[f.start : f.end]) else _KNOWN
    return None


def _merged(text: str, findings: Sequence[Finding], start: int, end: int) -> list[Finding]:
    """``findings`` with one LOCATION over ``start:end``: the address parts and NER names
    inside it dropped, an NER name running into it cut at its edge."""
    out: list[Finding] = []
    score = BLOCK_SCORE
    for f in findings:
        if f.end <= start or end <= f.start:
            out.append(f)
        elif start <= f.start and f.end <= end:
            if f.entity_type in _ADDRESS_TYPES:
                score = max(score, f.score)
        else:
            piece = (
                _stripped(text, f.start, start) if f.start < start else _stripped(text, end, f.end)
            )
            if any(ch.isalnum() for ch in text[piece[0] : piece[1]]):
                out.append(Finding(*piece, f.entity_type, f.score, f.detector))
    out.append(Finding(start, end, "LOCATION", score, ADDRESS_DETECTOR))
    return sorted(out, key=lambda f: f.start)
