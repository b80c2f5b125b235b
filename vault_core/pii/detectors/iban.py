"""International Bank Account Numbers passing mod-97, whole or in groups of four."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "Iban", "IBAN_CODE",
        r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?",
        1.0, lead=r"[\w]", trail=r"[\w]", validate=v.iban,
        retreat=True,
    ),
)  # fmt: skip
