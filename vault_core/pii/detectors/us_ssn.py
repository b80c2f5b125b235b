"""US Social Security numbers: grouped 3-2-4, or nine bare digits with context."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

DETECTORS = (
    PatternDetector(
        # One separator throughout, checked by the validator: one pattern of fixed groups is
        # read off the digit runs (see vault_core.pii.scan.digit_groups), where two
        # alternatives were a scan. A mixed candidate ("123-45 6789") is refused, and no
        # other grouped SSN can begin inside it (its later groups are two and four digits).
        "UsSsn", "US_SSN",
        r"[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}",
        0.85, lead=r"[0-9-]", trail=r"[0-9-]", validate=v.ssn_grouped,
        context=("ssn", "social", "security"),
    ),
    PatternDetector(
        "UsSsnDigits", "US_SSN",
        r"[0-9]{9}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=v.ssn,
        context=("ssn", "social security"), within=("UsBankNumber",),
    ),
)  # fmt: skip
