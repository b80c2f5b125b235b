"""Dates: with a month name, ISO 8601 (with an optional time), and numeric d/m/y or m/d/y."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE, NUMBER_TYPES

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

DETECTORS = (
    PatternDetector(
        "DateMonthName", "DATE_TIME",
        rf"{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [0-9]{{4}}|[0-9]{{1,2}} {_MONTH},? [0-9]{{4}}",
        0.85, lead=r"[\w]", trail=r"[\w]", shadowed_inside=NUMBER_TYPES,
    ),
    PatternDetector(
        "DateIso", "DATE_TIME",
        r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?",
        0.85, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=v.iso_date,
        retreat=True, shadowed_inside=NUMBER_TYPES,
    ),
    PatternDetector(
        "DateNumeric", "DATE_TIME",
        r"[0-9]{1,2}/[0-9]{1,2}/(?:19|20)?[0-9]{2}|[0-9]{1,2}\.[0-9]{1,2}\.(?:19|20)?[0-9]{2}",
        0.8, lead=r"[\w/.-]", trail=r"[\w/-]", no_decimal_after=True,
        validate=v.numeric_date, shadowed_inside=NUMBER_TYPES,
    ),
)  # fmt: skip
