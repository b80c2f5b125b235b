"""E-mail addresses, internationalized: Unicode letters and digits in the local part and domain."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "Email", "EMAIL_ADDRESS",
        r"[^\W_][\w.+-]*@[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,}",
        1.0, lead=r"[\w.+-]", trail=r"[\w-]",
        retreat=True, lead_after=True,
    ),
)  # fmt: skip
