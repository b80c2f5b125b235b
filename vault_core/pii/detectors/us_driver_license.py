"""US driver's license numbers: a letter and 6-12 digits, weak without context."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

DETECTORS = (
    PatternDetector(
        "UsDriverLicense", "US_DRIVER_LICENSE",
        r"[A-Z][0-9]{6,12}",
        0.2, lead=NUMBER_EDGE, trail=NUMBER_EDGE,
        context=("driver", "license", "licence", "dl"),
    ),
)  # fmt: skip
