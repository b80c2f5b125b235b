"""Brazilian individual taxpayer numbers (CPF): nine digits and two mod-11 check digits."""

from __future__ import annotations

import numpy as np
from stdnum.br import cpf

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE
from vault_core.pii.detectors._stdnum import accepted_if
from vault_core.pii.validators import Values


def cpf_valid(value: str) -> bool:
    """Both check digits right (python-stdnum) and not one repeated digit, which the Receita
    never issues though they pass the check (python-stdnum 2.2 accepts them)."""
    digits = cpf.compact(value)
    return len(set(digits)) > 1 and cpf.is_valid(digits)


def br_cpf(values: Values) -> np.ndarray:
    """CPFs passing :func:`cpf_valid`."""
    return accepted_if(values, cpf_valid)


DETECTORS = (
    PatternDetector(
        # As printed: 123.456.789-09.
        "BrCpf", "BR_CPF",
        r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}",
        0.6, lead=r"[\w.-]", trail=NUMBER_EDGE, validate=br_cpf,
        context=("cpf", "cadastro"),
        rare=True,
    ),
    PatternDetector(
        # Eleven bare digits: one in a hundred passes, so only with context.
        "BrCpfDigits", "BR_CPF",
        r"[0-9]{11}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=br_cpf,
        context=("cpf",), within=("UsBankNumber",),
    ),
)  # fmt: skip
