"""US passport numbers: 8-9 digits after an optional letter, weak without context."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

DETECTORS = (
    PatternDetector(
        "UsPassport", "US_PASSPORT",
        r"[A-Z]?[0-9]{8,9}",
        0.2, lead=NUMBER_EDGE, trail=NUMBER_EDGE, context=("passport",),
        within=("UsBankNumber", "UsDriverLicense"),
    ),
)  # fmt: skip
