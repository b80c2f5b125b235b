"""Polish national identification numbers (PESEL): eleven digits, a birth date, a check digit."""

from __future__ import annotations

import numpy as np
from stdnum.pl import pesel

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def pl_pesel(values: Values) -> np.ndarray:
    """PESELs with a valid birth date and check digit (python-stdnum)."""
    return accepted_if(values, pesel.is_valid)


DETECTORS = (
    PatternDetector(
        # Eleven digits are a run of 8-17 digits: judged from the bank-number scan's matches.
        "PlPesel", "PL_PESEL",
        r"[0-9]{11}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=pl_pesel,
        context=("pesel",), within=("UsBankNumber",),
    ),
)  # fmt: skip
