"""Canadian social insurance numbers (SIN): nine digits passing Luhn."""

from __future__ import annotations

import numpy as np
from stdnum.ca import sin

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def ca_sin(values: Values) -> np.ndarray:
    """SINs passing Luhn, not beginning with 0 or 8 (python-stdnum)."""
    return accepted_if(values, sin.is_valid)


_CONTEXT = ("sin", "social insurance")

DETECTORS = (
    PatternDetector(
        # Printed 3-3-3; one number in ten passes Luhn: only with context.
        "CaSin", "CA_SIN",
        r"[0-9]{3}[ -][0-9]{3}[ -][0-9]{3}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=ca_sin,
        context=_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare nine digits: judged from the bank-number scan's matches (no scan).
        "CaSinDigits", "CA_SIN",
        r"[0-9]{9}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=ca_sin,
        context=_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
