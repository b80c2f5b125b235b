"""French social security numbers (NIR, numéro de sécurité sociale): 13 digits and a mod-97 key."""

from __future__ import annotations

import numpy as np
from stdnum.fr import nir

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def fr_nir(values: Values) -> np.ndarray:
    """NIRs whose two-digit key is 97 minus the number mod 97 (python-stdnum; Corsican
    departments 2A and 2B included)."""
    return accepted_if(values, nir.is_valid)


_CONTEXT = ("nir", "insee", "sociale", "carte vitale", "social security")

DETECTORS = (
    PatternDetector(
        # Sex, year, month, department (2A/2B: Corsica), commune, order, key; as printed
        # "2 82 10 75 123 456 78" or bare. First digit 1 or 2 (the
        # temporary series 3, 4, 7, 8 are left out: 15-digit cards begin with 3 and 4).
        "FrNir", "FR_NIR",
        r"[12] [0-9]{2} [0-9]{2} (?:[0-9]{2}|2[AB]) [0-9]{3} [0-9]{3} [0-9]{2}",
        0.5, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=fr_nir,
        context=_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare fifteen digits: judged from the bank-number scan's matches (no scan).
        "FrNirDigits", "FR_NIR",
        r"[12][0-9]{14}",
        0.5, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=fr_nir,
        context=_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
