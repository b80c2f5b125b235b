"""Payment card numbers of 12-19 digits passing Luhn, whole or in groups of four."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "CardNumber", "CREDIT_CARD",
        r"[1-6][0-9](?:[ -]?[0-9]){10,17}",
        # Not after a digit or a dash, nor after a digit and a space (a longer number).
        1.0, prefix=r"^ ?|[^0-9 -]|[^0-9] ", trail=r"[0-9-]", validate=v.card,
        # "E679113591542135903" after "driver's license" is a licence, not a card inside one.
        retreat=True, shadowed_inside=("US_DRIVER_LICENSE",),
    ),
)  # fmt: skip
