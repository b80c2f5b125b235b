"""US bank account numbers: 8-17 digits, weak without context."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

DETECTORS = (
    PatternDetector(
        "UsBankNumber", "US_BANK_NUMBER",
        r"[0-9]{8,17}",
        0.2, lead=NUMBER_EDGE, trail=NUMBER_EDGE,
        context=("account", "acct", "bank", "checking", "savings"),
    ),
)  # fmt: skip
