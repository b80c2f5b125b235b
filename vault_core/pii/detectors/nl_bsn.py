"""Dutch citizen service numbers (BSN, burgerservicenummer): nine digits passing the 11-test."""

from __future__ import annotations

import numpy as np
from stdnum.nl import bsn

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def nl_bsn(values: Values) -> np.ndarray:
    """BSNs passing the 11-test (python-stdnum)."""
    return accepted_if(values, bsn.is_valid)


_CONTEXT = ("bsn", "sofinummer", "sofi")

DETECTORS = (
    PatternDetector(
        # One nine-digit number in eleven passes: only with context.
        "NlBsn", "NL_BSN",
        r"[0-9]{4}\.[0-9]{2}\.[0-9]{3}",
        0.3, lead=r"[\w.-]", trail=NUMBER_EDGE, no_decimal_after=True, validate=nl_bsn,
        context=_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare nine digits: judged from the bank-number scan's matches (no scan).
        "NlBsnDigits", "NL_BSN",
        r"[0-9]{9}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=nl_bsn,
        context=_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
