"""ABA routing transit numbers: nine digits whose 3-7-1 weighted sum is a multiple of ten."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

DETECTORS = (
    PatternDetector(
        "AbaRouting", "ABA_ROUTING_NUMBER",
        r"[0123678][0-9]{8}",
        0.3, lead=NUMBER_EDGE, trail=NUMBER_EDGE, validate=v.aba,
        context=("routing", "aba", "transit"), within=("UsBankNumber",),
    ),
)  # fmt: skip
