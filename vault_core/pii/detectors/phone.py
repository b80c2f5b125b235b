"""Phone numbers: North American (NANP) groups, international ``+`` numbers, national formats
of many regions (checked against libphonenumber's metadata), bare digit runs."""

from __future__ import annotations

from collections.abc import Iterable

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._phone_regions import DEFAULT_PHONE_REGIONS, NationalPhoneNumbers
from vault_core.pii.detectors._shared import NUMBER_EDGE

_PHONE_WORDS = (
    "phone", "call", "mobile", "tel", "fax", "cell", "contact", "office", "desk", "reach",
    "message", "answering", "sms", "whatsapp",
)  # fmt: skip
# After a number, a dash and a word ("0664 369 95 61-Office") label it; a dash and a digit
# continue it (the match is then not a phone number but part of a longer one).
_TRAIL = r"[\w]"


def national_phone_detectors(
    regions: Iterable[str] = DEFAULT_PHONE_REGIONS,
) -> tuple[PatternDetector, ...]:
    """The detectors of national phone formats of ``regions`` (ISO 3166 alpha-2 codes).

    ``NationalPhone``: separated digit groups (a bare run is as often an account number) that
    fit a region's numbering plan: beginning with a trunk prefix ``0`` ("07700 063 966",
    "0490 75 40 81"), an area code in brackets ("(37) 788-063"), or three to five groups
    ("60-56-85-91", "612 34 56 78"). One detector, not one per shape: each is a scan of the
    text, and patterns mode's throughput is held within 10% of what it was without them.

    Raises:
        DetectorError: If a region is unknown to libphonenumber.
    """
    national = NationalPhoneNumbers(regions)
    return (
        PatternDetector(
            "NationalPhone", "PHONE_NUMBER",
            r"0[0-9]{1,4}(?:[ .-][0-9]{2,8}){1,4}"
            r"|\(0?[0-9]{1,4}\) ?[0-9]{2,8}(?:[ .-][0-9]{2,8}){0,3}"
            # Not dotted: dotted groups are versions and addresses far more often.
            r"|[1-9][0-9]{1,3}(?:[ -][0-9]{2,6}){1,4}",
            0.6, lead=r"[\w.+(-]", trail=_TRAIL, validate=national,
            context=_PHONE_WORDS,
        ),
    )  # fmt: skip


DETECTORS = (
    PatternDetector(
        "NanpPhone", "PHONE_NUMBER",
        r"(?:\+?1[-. ])?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}"
        r"(?: ?(?:x|ext\.?) ?[0-9]{1,5})?",
        # Not after a dot: "192.168.1.1 (415) 555-0132" is an address and a phone, not the
        # phone "1 (415) 555-0132" with a country code.
        0.7, lead=r"[\w.+-]", trail=_TRAIL,
        context=_PHONE_WORDS,
    ),
    PatternDetector(
        "IntlPhone", "PHONE_NUMBER",
        r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}",
        # Context words too: near one, a national detector's match inside the number ("86 624
        # 24 76" of "+41 86 624 24 76") must not outscore the whole number.
        0.7, lead=r"[\w+]", trail=_TRAIL, validate=v.phone_digits,
        retreat=True, context=_PHONE_WORDS,
    ),
    *national_phone_detectors(),
    PatternDetector(
        "PlainPhone", "PHONE_NUMBER",
        r"\+?[0-9]{10,11}",
        0.3, lead=r"[\w+-]", trail=NUMBER_EDGE,
        context=("phone", "mobile", "call", "tel", "cell", "fax", "text me"),
    ),
)  # fmt: skip
