"""MAC addresses: six hex pairs separated by colons or dashes."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "MacAddress", "MAC_ADDRESS",
        r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}",
        0.9, lead=r"[\w:-]", trail=r"[\w:-]",
        rare=True,
    ),
)  # fmt: skip
