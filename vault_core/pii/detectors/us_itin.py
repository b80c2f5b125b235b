"""US Individual Taxpayer Identification Numbers: 9xx-[5-9]x-xxxx in the IRS's group ranges."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "UsItin", "US_ITIN",
        r"9[0-9]{2}-[5-9][0-9]-[0-9]{4}|9[0-9]{2} [5-9][0-9] [0-9]{4}",
        0.7, lead=r"[0-9-]", trail=r"[0-9-]", validate=v.itin, context=("itin", "taxpayer"),
        within=("UsSsn",),
    ),
)  # fmt: skip
