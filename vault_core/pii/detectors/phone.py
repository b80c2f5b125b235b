"""Phone numbers: North American (NANP) groups, international ``+`` numbers, national formats
of many regions (checked against libphonenumber's metadata), bare digit runs."""

from __future__ import annotations

from collections.abc import Iterable

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._phone_regions import DEFAULT_PHONE_REGIONS, NationalPhoneNumbers
from vault_core.pii.detectors._shared import NUMBER_EDGE

_PHONE_WORDS = ("phone", "call", "mobile", "tel", "fax", "cell", "contact")


def national_phone_detectors(
    regions: Iterable[str] = DEFAULT_PHONE_REGIONS,
) -> tuple[PatternDetector, ...]:
    """The detectors of national phone formats of ``regions`` (ISO 3166 alpha-2 codes).

    ``NationalPhone``: separated digit groups (a bare run is as often an account number)
    beginning with a trunk prefix ``0`` or an area code in brackets ("07700 063 966",
    "0490 75 40 81", "(37) 788-063"), reported on their own. ``GroupedPhone``: three to five
    groups of two or three digits, not beginning with ``0`` ("60-56-85-91", "612 34 56 78"),
    reported only near a phone word: without one they are as often order or reference numbers.

    Raises:
        DetectorError: If a region is unknown to libphonenumber.
    """
    national = NationalPhoneNumbers(regions)
    return (
        PatternDetector(
            "NationalPhone", "PHONE_NUMBER",
            r"0[0-9]{1,4}(?:[ .-][0-9]{2,8}){1,4}"
            r"|\(0?[0-9]{1,4}\) ?[0-9]{2,8}(?:[ .-][0-9]{2,8}){0,3}",
            0.6, lead=r"[\w.+(-]", trail=NUMBER_EDGE, validate=national,
            context=_PHONE_WORDS,
        ),
        PatternDetector(
            "GroupedPhone", "PHONE_NUMBER",
            # Groups of two or three digits: four-digit groups are cards, IBANs, dates and
            # SSNs far more often; dotted groups are versions and addresses.
            r"[1-9][0-9]{1,2}(?:[ -][0-9]{2,3}){2,4}",
            0.4, lead=r"[\w.+(-]", trail=NUMBER_EDGE, validate=national,
            context=_PHONE_WORDS,
        ),
    )  # fmt: skip


DETECTORS = (
    PatternDetector(
        "NanpPhone", "PHONE_NUMBER",
        r"(?:\+?1[-. ])?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}",
        # Not after a dot: "192.168.1.1 (415) 555-0132" is an address and a phone, not the
        # phone "1 (415) 555-0132" with a country code.
        0.7, lead=r"[\w.+-]", trail=NUMBER_EDGE,
        context=("phone", "call", "mobile", "tel", "fax", "cell"),
    ),
    PatternDetector(
        "IntlPhone", "PHONE_NUMBER",
        r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}",
        0.7, lead=r"[\w+]", trail=NUMBER_EDGE, validate=v.phone_digits,
        retreat=True,
    ),
    *national_phone_detectors(),
    PatternDetector(
        "PlainPhone", "PHONE_NUMBER",
        r"\+?[0-9]{10,11}",
        0.3, lead=r"[\w+-]", trail=NUMBER_EDGE,
        context=("phone", "mobile", "call", "tel", "cell", "fax", "text me"),
    ),
)  # fmt: skip
