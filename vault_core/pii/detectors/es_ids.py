"""Spanish identity numbers: DNI/NIF (eight digits and a check letter) and NIE (X, Y or Z,
seven digits and a check letter)."""

from __future__ import annotations

import numpy as np
from stdnum.es import dni, nie

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def es_dni(values: Values) -> np.ndarray:
    """DNI numbers whose letter is the mod-23 check letter (python-stdnum)."""
    return accepted_if(values, dni.is_valid)


def es_nie(values: Values) -> np.ndarray:
    """NIE numbers whose letter is the mod-23 check letter (python-stdnum)."""
    return accepted_if(values, nie.is_valid)


DETECTORS = (
    PatternDetector(
        "EsNif", "ES_NIF",
        r"[0-9]{8}-?[A-Z]",
        0.5, lead=r"[\w-]", trail=r"[\w]", validate=es_dni,
        context=("dni", "nif", "documento"),
        rare=True,
    ),
    PatternDetector(
        "EsNie", "ES_NIE",
        r"[XYZ]-?[0-9]{7}-?[A-Z]",
        0.5, lead=r"[\w-]", trail=r"[\w]", validate=es_nie,
        context=("nie", "extranjero", "extranjeros"),
        rare=True,
    ),
)  # fmt: skip
