"""Ages of 1-120 next to "years old" or after "aged"/"age:"."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "AgeYearsOld", "AGE",
        r"[0-9]{1,3}",
        0.75, lead=r"[\w.]", suffix=r"[- ]years?[- ]old", validate=v.age,
    ),
    PatternDetector(
        "AgeAged", "AGE",
        r"[0-9]{1,3}",
        0.75, prefix=r"[Aa]ged |[Aa]ge:? ", trail=r"[\w.]", validate=v.age,
    ),
)  # fmt: skip
