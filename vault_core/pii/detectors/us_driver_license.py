"""US driver's license numbers: a letter and 6-12 digits, weak without context; with a context
word ("driver", "license", "DL") also one or two letters and 5-18 digits, or 6-11 digits alone
(the state forms Presidio's ``UsLicenseRecognizer`` accepts, in any letter case)."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

_CONTEXT = ("driver", "license", "licence", "dl")
# Below the default threshold (0.5) alone, above it with a context word (+0.35).
_CONTEXT_ONLY = 0.16

DETECTORS = (
    PatternDetector(
        "UsDriverLicense", "US_DRIVER_LICENSE",
        r"[A-Z][0-9]{6,12}",
        0.2, lead=NUMBER_EDGE, trail=NUMBER_EDGE, context=_CONTEXT,
    ),
    PatternDetector(
        "UsDriverLicenseInContext", "US_DRIVER_LICENSE",
        # Digits alone stop at 11: 12 and more are card and account numbers' lengths.
        r"[A-Za-z]{1,2}[0-9]{5,18}|[0-9]{6,11}",
        _CONTEXT_ONLY, lead=NUMBER_EDGE, trail=NUMBER_EDGE, context=_CONTEXT,
    ),
)  # fmt: skip
