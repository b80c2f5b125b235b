"""Phone numbers: North American (NANP) groups, international ``+`` numbers, bare digit runs."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

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
    PatternDetector(
        "PlainPhone", "PHONE_NUMBER",
        r"\+?[0-9]{10,11}",
        0.3, lead=r"[\w+-]", trail=NUMBER_EDGE,
        context=("phone", "mobile", "call", "tel", "cell", "fax", "text me"),
    ),
)  # fmt: skip
