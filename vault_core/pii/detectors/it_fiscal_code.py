"""Italian codice fiscale of a person: sixteen characters ending in a check letter."""

from __future__ import annotations

import numpy as np
from stdnum.it import codicefiscale

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def it_fiscal_code(values: Values) -> np.ndarray:
    """Codes whose last letter is the check character and whose date parts parse
    (python-stdnum)."""
    return accepted_if(values, codicefiscale.is_valid)


DETECTORS = (
    PatternDetector(
        # Surname and name letters, year, month letter, day (+40 for women), the place's
        # letter and digits, the check letter. Codes whose digits were replaced by letters
        # (omocodia, for clashes) are not matched.
        "ItFiscalCode", "IT_FISCAL_CODE",
        r"[A-Z]{6}[0-9]{2}[A-EHLMPRST][0-9]{2}[A-Z][0-9]{3}[A-Z]",
        0.7, lead=r"[\w]", trail=r"[\w]", validate=it_fiscal_code,
        context=("codice fiscale", "fiscal code", "cf"),
        rare=True,
    ),
)  # fmt: skip
