"""Postcodes of many countries right after the words that name one: "ZIP: 5010", "my zip code
is 2097", "postcode SW1A 1AA", "Postal code: T2P 0H3", "PLZ 10115".

Without such a word a 4-digit number is a year or a count as often as a postcode; the address
assembly (``full`` mode) finds postcodes where an address puts them.
"""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

# US ZIP(+4) and the 4-5 digit forms, "123 45" (SE, CZ, SK, GR), "12-345" (PL), "1234-567"
# (PT), "1234 AB" (NL), UK and Canadian postcodes, and 3 digits (IS, FO).
_POSTCODE = (
    r"[0-9]{5}(?:-[0-9]{4})?|[0-9]{4}(?:-[0-9]{3}| [A-Z]{2})?|[0-9]{3} [0-9]{2}|[0-9]{2}-[0-9]{3}"
    r"|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|[A-Z][0-9][A-Z] [0-9][A-Z][0-9]|[0-9]{3}"
)
_ZIP = r"(?:ZIP|Zip|zip)(?: (?:CODE|[Cc]ode))?"
_POSTAL = r"(?:[Pp]ost ?[Cc]ode|POST ?CODE|[Pp]ostal [Cc]ode|POSTAL CODE|PLZ|CEP)"

DETECTORS = (
    PatternDetector(
        "PostcodeAfterCue", "ZIP_CODE",
        _POSTCODE,
        0.9, prefix=rf"(?:{_ZIP}|{_POSTAL})(?: is|:|#)? ", trail=NUMBER_EDGE,
        rare=True,
    ),
)  # fmt: skip
