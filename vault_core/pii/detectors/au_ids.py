"""Australian identifiers: tax file numbers (TFN: eight or nine digits, weighted mod 11) and
Medicare card numbers (ten digits, weighted mod-10 check digit and an issue number)."""

from __future__ import annotations

import numpy as np
from stdnum.au import tfn

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values

_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def au_tfn(values: Values) -> np.ndarray:
    """TFNs passing the weighted mod-11 check (python-stdnum)."""
    return accepted_if(values, tfn.is_valid)


def medicare_valid(value: str) -> bool:
    """Services Australia's Medicare check: the first eight digits weighted 1-3-7-9 twice,
    mod 10, give the ninth; the first digit is 2-6. (python-stdnum has no Medicare module.)"""
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) != 10 or not 2 <= digits[0] <= 6:
        return False
    return sum(d * w for d, w in zip(digits, _MEDICARE_WEIGHTS, strict=False)) % 10 == digits[8]


def au_medicare(values: Values) -> np.ndarray:
    """Medicare card numbers passing the check."""
    return accepted_if(values, medicare_valid)


_TFN_CONTEXT = ("tfn", "tax file")
_MEDICARE_CONTEXT = ("medicare",)

DETECTORS = (
    PatternDetector(
        # Printed 3-3-3, the shape of a Canadian SIN: judged from the SIN scan's matches. One
        # nine-digit number in eleven passes: only with context.
        "AuTfn", "AU_TFN",
        r"[0-9]{3}[ -][0-9]{3}[ -][0-9]{3}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=au_tfn,
        context=_TFN_CONTEXT, within=("CaSin",),
    ),
    PatternDetector(
        # Bare eight or nine digits: judged from the bank-number scan's matches (no scan).
        "AuTfnDigits", "AU_TFN",
        r"[0-9]{8,9}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=au_tfn,
        context=_TFN_CONTEXT, within=("UsBankNumber",),
    ),
    PatternDetector(
        # Printed 4-5-1 (the last digit the card's issue number).
        "AuMedicare", "AU_MEDICARE",
        r"[2-6][0-9]{3} [0-9]{5} [0-9]",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=au_medicare,
        context=_MEDICARE_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        "AuMedicareDigits", "AU_MEDICARE",
        r"[2-6][0-9]{9}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=au_medicare,
        context=_MEDICARE_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
