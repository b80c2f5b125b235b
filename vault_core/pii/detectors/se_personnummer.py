"""Swedish personal identity numbers (personnummer, samordningsnummer): a birth date, a serial
and a Luhn check digit."""

from __future__ import annotations

import numpy as np
from stdnum.se import personnummer

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def se_personnummer(values: Values) -> np.ndarray:
    """Numbers with a valid date (or coordination day) and Luhn digit (python-stdnum)."""
    return accepted_if(values, personnummer.is_valid)


_CONTEXT = ("personnummer", "identity number")

DETECTORS = (
    PatternDetector(
        # YYMMDD-NNNN ("+" after 100 years), or with the century.
        "SePersonnummer", "SE_PERSONNUMMER",
        r"(?:[0-9]{2})?[0-9]{6}[-+][0-9]{4}",
        0.5, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=se_personnummer,
        context=_CONTEXT,
        rare=True,
    ),
    PatternDetector(
        # Bare ten or twelve digits: a phone number passes one time in thirty or so.
        "SePersonnummerDigits", "SE_PERSONNUMMER",
        r"[0-9]{12}|[0-9]{10}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=se_personnummer,
        context=_CONTEXT, within=("UsBankNumber",),
    ),
)  # fmt: skip
