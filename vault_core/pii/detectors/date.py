"""Dates: with a month name, ISO 8601 (with an optional time), numeric d/m/y or m/d/y, weekdays,
and years after a word that makes them a date ("born in 1977", "during 1972")."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE, NUMBER_TYPES

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

_YEAR_BEFORE = (
    r"(?:[Ii]n|[Oo]f|[Ss]ince|[Dd]uring|[Uu]ntil|[Bb]efore|[Aa]fter|[Bb]orn|[Ff]ounded|[Yy]ear"
    r"|[Ss]ummer|[Ww]inter|[Ss]pring|[Aa]utumn|[Ff]all|[Cc]lass of|[Ee]arly|[Ll]ate|[Mm]id"
    r"|a|[Tt]he) "
)

DETECTORS = (
    PatternDetector(
        "DateMonthName", "DATE_TIME",
        rf"{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [0-9]{{4}}|[0-9]{{1,2}} {_MONTH},? [0-9]{{4}}",
        0.85, lead=r"[\w]", trail=r"[\w]", shadowed_inside=NUMBER_TYPES,
    ),
    PatternDetector(
        "DateIso", "DATE_TIME",
        r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}"
        r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?",
        0.85, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=v.iso_date,
        retreat=True, shadowed_inside=NUMBER_TYPES,
    ),
    PatternDetector(
        "DateNumeric", "DATE_TIME",
        r"[0-9]{1,2}/[0-9]{1,2}/(?:19|20)?[0-9]{2}|[0-9]{1,2}\.[0-9]{1,2}\.(?:19|20)?[0-9]{2}",
        0.8, lead=r"[\w/.-]", trail=r"[\w/-]", no_decimal_after=True,
        validate=v.numeric_date, shadowed_inside=NUMBER_TYPES,
    ),
    PatternDetector(
        "Weekday", "DATE_TIME",
        r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day",
        # The lead checked after the scan: the literal "day" is what Rust's regex looks for.
        0.6, lead=r"[\w]", trail=r"[\w]", lead_after=True,
        rare=True,
    ),
    PatternDetector(
        "YearInContext", "DATE_TIME",
        r"(?:19|20)[0-9]{2}",
        # A year alone is a count as often as a date: only after a word that makes it one.
        0.6, prefix=_YEAR_BEFORE, trail=r"[\w]", no_decimal_after=True,
        shadowed_inside=NUMBER_TYPES,
        rare=True,
    ),
)  # fmt: skip
