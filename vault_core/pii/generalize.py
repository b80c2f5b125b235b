"""Generalize: keep a coarser truth (date → year or month, age → band, zip → 3 digits)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ISO_MONTH = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)[-/.](0?[1-9]|1[0-2])(?!\d)")
_US_MONTH = re.compile(r"(?<!\d)(0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:\d{4})(?!\d)")
_MONTH_NAMES = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
_MONTH_NAME = re.compile(r"\b(" + "|".join(_MONTH_NAMES) + r")[a-z]*\.?\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")

# The 3-digit zip prefixes HIPAA Safe Harbor requires to become 000 (under 20,000 people, 2000
# census): 45 CFR 164.514(b)(2)(i)(B) and HHS guidance.
HIPAA_RESTRICTED_ZIP3: tuple[str, ...] = (
    "036",
    "059",
    "063",
    "102",
    "203",
    "556",
    "692",
    "790",
    "821",
    "823",
    "830",
    "831",
    "878",
    "879",
    "884",
    "890",
    "893",
)


class Generalize(BaseModel):
    """Replace a value with a coarser one; entity types it cannot coarsen become ``<TYPE>``.

    DATE_TIME → year (or year-month), AGE → band (ages at or over ``age_cap`` → ``90+``),
    ZIP_CODE → its first ``zip_digits`` digits (``000`` for ``zip_suppressed`` prefixes).
    A date without a four-digit year, or an age or zip without digits, also becomes ``<TYPE>``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["generalize"] = "generalize"
    """Discriminator."""
    date: Literal["year", "month"] = "year"
    """Keep the year, or the year and month (``1985-03``)."""
    age_band: int = Field(default=5, ge=2, le=50)
    """Width of an age band: 42 → ``40-44`` with 5."""
    age_cap: int | None = Field(default=90, ge=1)
    """Ages at or over this become ``{age_cap}+`` (HIPAA: 90); ``None`` to band every age."""
    zip_digits: int = Field(default=3, ge=0, le=4)
    """Leading zip digits kept."""
    zip_suppressed: tuple[str, ...] = ()
    """Zip prefixes (of ``zip_digits`` digits) replaced by zeros, e.g. HIPAA's sparse areas."""


def _month(value: str) -> int | None:
    if match := _ISO_MONTH.search(value):
        return int(match.group(2))
    if match := _US_MONTH.search(value):
        return int(match.group(1))
    if match := _MONTH_NAME.search(value):
        return _MONTH_NAMES.index(match.group(1).lower()) + 1
    return None


def generalize_date(op: Generalize, value: str) -> str | None:
    """The year (or year-month) of a date, or ``None`` when it has no four-digit year."""
    year = _YEAR.search(value)
    if year is None:
        return None
    if op.date == "month" and (month := _month(value)) is not None:
        return f"{year.group(1)}-{month:02d}"
    return year.group(1)


def generalize_age(op: Generalize, value: str) -> str | None:
    """The span with its number replaced by a band, or ``None`` when it has no number."""
    match = _NUMBER.search(value)
    if match is None:
        return None
    age = int(match.group(0))
    if op.age_cap is not None and age >= op.age_cap:
        band = f"{op.age_cap}+"
    else:
        low = age // op.age_band * op.age_band
        band = f"{low}-{low + op.age_band - 1}"
    return value[: match.start()] + band + value[match.end() :]


def generalize_zip(op: Generalize, value: str) -> str | None:
    """The leading ``zip_digits`` digits, or ``None`` when the span has too few digits."""
    digits = "".join(_DIGIT.findall(value))
    if len(digits) < max(op.zip_digits, 1):
        return None
    prefix = digits[: op.zip_digits]
    if prefix in op.zip_suppressed:
        return "0" * op.zip_digits
    return prefix


def apply_generalize(op: Generalize, value: str, entity_type: str) -> str:
    """Return the generalized ``value`` (``<entity_type>`` when it cannot be generalized)."""
    result: str | None = None
    if entity_type == "DATE_TIME":
        result = generalize_date(op, value)
    elif entity_type == "AGE":
        result = generalize_age(op, value)
    elif entity_type == "ZIP_CODE":
        result = generalize_zip(op, value)
    if result is None or result == value:
        return f"<{entity_type}>"
    return result
