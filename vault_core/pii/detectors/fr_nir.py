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


DETECTORS = (
    PatternDetector(
        # Sex, year, month, department (2A/2B: Corsica), commune, order, key; as printed
        # "2 82 10 75 123 456 78" or bare.
        "FrNir", "FR_NIR",
        r"[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
        0.5, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=fr_nir,
        context=("nir", "insee", "sociale", "carte vitale", "social security"),
    ),
)  # fmt: skip
