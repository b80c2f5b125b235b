"""Singapore NRIC and FIN numbers: a series letter, seven digits, a check letter."""

from __future__ import annotations

import numpy as np

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values

_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}
_CHECK = {
    "S": "JZIHGFEDCBA",
    "T": "JZIHGFEDCBA",
    "F": "XWUTRQPNMLK",
    "G": "XWUTRQPNMLK",
    "M": "XWUTRQPNJLK",
}


def nric_valid(value: str) -> bool:
    """ICA's check letter: the digits weighted 2-7-6-5-4-3-2, plus the series' offset, mod 11
    pick the letter from the series' table. (python-stdnum has no NRIC module.)"""
    series = value[0]
    total = sum(int(d) * w for d, w in zip(value[1:8], _WEIGHTS, strict=True))
    return _CHECK[series][(total + _OFFSET[series]) % 11] == value[8]


def sg_nric(values: Values) -> np.ndarray:
    """NRIC/FIN numbers whose last letter is the check letter."""
    return accepted_if(values, nric_valid)


DETECTORS = (
    PatternDetector(
        "SgNric", "SG_NRIC_FIN",
        r"[STFGM][0-9]{7}[A-Z]",
        0.5, lead=r"[\w]", trail=r"[\w]", validate=sg_nric,
        context=("nric", "fin", "identity card"),
        rare=True,
    ),
)  # fmt: skip
