"""German tax identification numbers (Steuer-ID, IdNr): eleven digits, ISO 7064 check digit."""

from __future__ import annotations

import numpy as np
from stdnum.de import idnr

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def de_tax_id(values: Values) -> np.ndarray:
    """IdNrs passing the ISO 7064 mod 11,10 check and the digit-repetition rule
    (python-stdnum)."""
    return accepted_if(values, idnr.is_valid)


_CONTEXT = ("steuer", "steuerid", "steuernummer", "idnr", "tax id")

DETECTORS = (
    PatternDetector(
        # One number in ten passes the check: only with context.
        "DeTaxId", "DE_TAX_ID",
        r"[1-9][0-9] [0-9]{3} [0-9]{3} [0-9]{3}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=de_tax_id,
        context=_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare eleven digits: judged from the bank-number scan's matches (no scan).
        "DeTaxIdDigits", "DE_TAX_ID",
        r"[1-9][0-9]{10}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=de_tax_id,
        context=_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
