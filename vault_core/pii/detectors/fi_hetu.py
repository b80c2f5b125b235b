"""Finnish personal identity codes (henkilötunnus, HETU): a birth date, a century sign, a
serial and a mod-31 check character."""

from __future__ import annotations

import numpy as np
from stdnum.fi import hetu

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def fi_hetu(values: Values) -> np.ndarray:
    """Codes with a valid date, century sign and check character (python-stdnum)."""
    return accepted_if(values, hetu.is_valid)


DETECTORS = (
    PatternDetector(
        "FiHetu", "FI_PERSONAL_IDENTITY_CODE",
        r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]",
        0.6, lead=r"[\w-]", trail=r"[\w]", validate=fi_hetu,
        context=("hetu", "henkilotunnus", "sotu", "identity code"),
        rare=True,
    ),
)  # fmt: skip
