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
    departments 2A and 2B included).

    Bare fifteen digits fail that key in numpy first: only the values holding another
    character or passing it are asked of stdnum, which decides (a necessary condition only
    drops what it would refuse). The bank numbers' fifteen-digit values reach this about 900
    times per 20 MB of tickets, a Python call each: 8 ms of the pattern pass otherwise."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    chars = values.right(15)
    digits = chars.astype(np.int64) - ord("0")
    plain = (values.lengths == 15) & ((digits >= 0) & (digits <= 9)).all(axis=1)
    number = digits[:, :13] @ (10 ** np.arange(12, -1, -1))  # < 10**13: no overflow
    fails = plain & (97 - number % 97 != digits[:, 13] * 10 + digits[:, 14])
    result = np.zeros(len(values), dtype=np.int64)
    asked = np.flatnonzero(~fails)
    if len(asked):
        subset = Values(values.utf8, values.start[asked], values.end[asked])
        result[asked] = accepted_if(subset, nir.is_valid)
    return result


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
