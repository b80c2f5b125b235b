"""Indian identifiers: Aadhaar numbers (twelve digits, Verhoeff check) and PAN (permanent
account numbers: five letters, four digits, a letter)."""

from __future__ import annotations

import numpy as np
from stdnum.in_ import aadhaar, pan

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def in_aadhaar(values: Values) -> np.ndarray:
    """Aadhaar numbers passing the Verhoeff check, not palindromes (python-stdnum)."""
    return accepted_if(values, aadhaar.is_valid)


def in_pan(values: Values) -> np.ndarray:
    """PANs whose holder-type letter is one the Income Tax Department issues (python-stdnum)."""
    return accepted_if(values, pan.is_valid)


_AADHAAR_CONTEXT = ("aadhaar", "aadhar", "uidai")

DETECTORS = (
    PatternDetector(
        # Printed 4-4-4; one number in ten passes the check: only with context.
        "InAadhaar", "IN_AADHAAR",
        r"[2-9][0-9]{3} [0-9]{4} [0-9]{4}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=in_aadhaar,
        context=_AADHAAR_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare twelve digits: judged from the bank-number scan's matches (no scan).
        "InAadhaarDigits", "IN_AADHAAR",
        r"[2-9][0-9]{11}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=in_aadhaar,
        context=_AADHAAR_CONTEXT, within=("UsBankNumber",),
    ),
    PatternDetector(
        "InPan", "IN_PAN",
        r"[A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z]",
        0.5, lead=r"[\w]", trail=r"[\w]", validate=in_pan,
        context=("pan", "income tax"),
        rare=True,
    ),
)  # fmt: skip
