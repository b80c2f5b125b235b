"""UK NHS numbers (mod-11 check digit) and National Insurance numbers (prefix rules)."""

from __future__ import annotations

import numpy as np
from stdnum.gb import nhs

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values

# Prefixes HMRC never issues (python-stdnum has no NINO module; the rules are HMRC's).
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nhs_number(values: Values) -> np.ndarray:
    """NHS numbers passing the mod-11 check (python-stdnum)."""
    return accepted_if(values, nhs.is_valid)


def nino(values: Values) -> np.ndarray:
    """National Insurance numbers whose two-letter prefix is one HMRC issues."""
    return accepted_if(values, lambda value: value[:2] not in _NINO_BAD_PREFIXES)


_NHS_CONTEXT = ("nhs", "health service")

DETECTORS = (
    PatternDetector(
        # Ten digits, as printed 3-3-4; a phone number in that form passes the check one time
        # in eleven, so only with context (it then outscores the phone pattern's 0.7).
        "UkNhs", "UK_NHS",
        r"[0-9]{3}[ -][0-9]{3}[ -][0-9]{4}",
        0.4, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=nhs_number,
        context=_NHS_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare: a run of 8-17 digits, judged from the bank-number scan's matches (no scan).
        "UkNhsDigits", "UK_NHS",
        r"[0-9]{10}",
        0.4, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=nhs_number,
        context=_NHS_CONTEXT, within=("UsBankNumber",),
    ),
    PatternDetector(
        "UkNino", "UK_NINO",
        r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
        0.5, lead=r"[\w]", trail=r"[\w]", validate=nino,
        context=("nino", "insurance number", "ni number"),
        rare=True,
    ),
)  # fmt: skip
