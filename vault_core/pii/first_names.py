"""Given names of many countries, to tell a person's name from an organization or a place.

The list is the ``nam_dict.txt`` that the ``gender-guesser`` package ships: Jörg Michael's
dictionary of about 48,000 first names from 54 countries (GNU FDL), each with its frequency per
country on a scale of 1 (rare) to 13. It is read once, offline, from the installed package.
Names whose spelling is also an English function word ("The", "Long" are Vietnamese names) are
left out: the NER around this list needs a name, not a word that may be one.
"""

from __future__ import annotations

import threading
from importlib import resources

from vault_core.pii.exceptions import ModelNotInstalledError
from vault_core.pii.gazetteer import large_place_names


def _word_set(words: str) -> frozenset[str]:
    """The words of a space-separated list (kept as one string for reading)."""
    return frozenset(words.split())


_PACKAGE = "gender_guesser"
_RESOURCE = "data/nam_dict.txt"
# Columns of a line: the gender code, the name from column 3, the frequencies per country from
# column 30 (one character each, hexadecimal-like 1..D, blank where the name is not used).
_NAME_COLUMN = 3
_FREQUENCY_COLUMN = 30
_FREQUENCY_DIGITS = "123456789ABCD"
_RANK = {digit: rank for rank, digit in enumerate(_FREQUENCY_DIGITS, start=1)}

# English words that the dictionary also lists as names (mostly East Asian given names).
_ENGLISH_WORDS = _word_set(
    "A An And Are As At Be But By Can Do For From Go Had Has He Her His I If In Is It Its Long Man "
    "May Me My No Not Now Of On One Or Our She So Son The Their Then They This To Too Up Us We "
    "Who Will Yes You"
)

_lock = threading.Lock()
_names: dict[str, int] | None = None


def _parse(lines: list[str]) -> dict[str, int]:
    names: dict[str, int] = {}
    for line in lines:
        if not line or line[0] in "#=":
            continue
        name = line[_NAME_COLUMN:_FREQUENCY_COLUMN].strip()
        frequencies = line[_FREQUENCY_COLUMN:]
        # Over the line's distinct characters (a handful; a loop over all 60-odd columns of
        # 48,000 lines was most of the engine's load).
        top = max([_RANK.get(ch, 0) for ch in set(frequencies)], default=0)
        # "+" joins the parts of a compound name, written with a space, a hyphen or nothing.
        spellings = (
            [name.replace("+", joint) for joint in ("", " ", "-")] if "+" in name else [name]
        )
        for spelling in spellings:
            if spelling and spelling not in _ENGLISH_WORDS:
                names[spelling] = max(names.get(spelling, 0), top)
    return names


def first_names() -> dict[str, int]:
    """Given name -> its highest frequency in any country (1 rare .. 13), loaded once.

    Raises:
        ModelNotInstalledError: If the ``gender-guesser`` package is not installed.
    """
    global _names
    with _lock:
        if _names is None:
            try:
                text = resources.files(_PACKAGE).joinpath(_RESOURCE).read_text(encoding="utf-8")
            except (ModuleNotFoundError, FileNotFoundError) as exc:
                raise ModelNotInstalledError(
                    "the first-name list of the gender-guesser package is missing; install "
                    "vault's dependencies (uv sync)",
                    model=_PACKAGE,
                ) from exc
            _names = _parse(text.splitlines())
        return _names


_word_lock = threading.Lock()
_word_frequencies: dict[str, float] | None = None


def name_word_frequencies() -> dict[str, float]:
    """Given names that are also English words ("Mark", "Grace", "Frank"), countries, US states,
    cities of a million ("France", "Paris") or months -> how common the word is (Zipf: 3 is one in a
    million words, 6 one in a thousand; places and months count as 9), loaded once.

    A word counts when Webster's dictionary (``english-words``' web2 list, where proper nouns are
    capitalised) writes it in lower case; its frequency comes from ``wordfreq``, which folds
    case, so "Mary" is as frequent as the name is. A lone capitalised word of this list needs
    more than the list to be a name.
    """
    global _word_frequencies
    with _word_lock:
        if _word_frequencies is None:
            import pycountry
            from english_words import get_english_words_set
            from wordfreq import zipf_frequency

            names = first_names()
            lower = {w for w in get_english_words_set(["web2"], lower=False, alpha=True)
                     if w.islower()}  # fmt: skip
            found = {
                name: zipf_frequency(name.lower(), "en") for name in names if name.lower() in lower
            }
            for country in pycountry.countries:
                for attr in ("name", "common_name"):
                    value = getattr(country, attr, None)
                    if value in names:
                        found[value] = 9.0
            for word in _MONTHS_AND_DAYS:
                found[word] = 9.0
            for city in large_place_names():
                if city in names:
                    found[city] = 9.0
            _word_frequencies = found
        return _word_frequencies


_MONTHS_AND_DAYS = _word_set(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
)
