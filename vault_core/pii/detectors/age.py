"""Ages of 1-120 next to "years old" or after "aged", "age:", "turned", "when she was"."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "AgeYearsOld", "AGE",
        r"[0-9]{1,3}",
        0.75, lead=r"[\w.]", suffix=r"[- ]years?[- ]old| y/o| yrs? old", validate=v.age,
        rare=True,
    ),
    PatternDetector(
        "AgeAged", "AGE",
        r"[0-9]{1,3}",
        # A full stop after the number ends the sentence; a decimal after it is no age.
        0.75, trail=r"[\w]", no_decimal_after=True, validate=v.age,
        prefix=r"[Aa]ged |[Aa]ge:? |[Aa]ge of |[Tt]urned |[Tt]urning |[Tt]urn "
        r"|[Ww]hen (?:he|she|I|you|we|they) (?:was|were) ",
        rare=True,
    ),
)  # fmt: skip
