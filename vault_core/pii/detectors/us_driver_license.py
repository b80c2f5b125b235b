"""US driver's license numbers: a letter and 6-12 digits, weak without context; with a context
word ("driver", "license", "driving") also the other state forms Presidio's ``UsLicenseRecognizer``
accepts, in any letter case: one or two letters, 5-18 digits and an optional check letter
("G158129R"), 7-9 digits and one or two letters ("0734060A"), digits, two or three letters and
digits ("957FD0223", "12ABC34567"), or 6-14 digits alone."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

# Context words match inside words ("dl" would in "Bradley", "middle"): no abbreviations.
_CONTEXT = ("driver", "license", "licence", "driving")
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
        # Mixed forms first: the scan takes the first alternative that matches at a place and
        # does not come back when its trail check fails ("0734060" before "A").
        r"[A-Za-z]{1,2}[0-9]{5,18}[A-Za-z]?|[0-9]{7,9}[A-Za-z]{1,2}"
        r"|[0-9]{2,3}[A-Za-z]{2,3}[0-9]{4,6}|[0-9]{6,14}",
        _CONTEXT_ONLY, lead=NUMBER_EDGE, trail=NUMBER_EDGE, context=_CONTEXT,
    ),
)  # fmt: skip
