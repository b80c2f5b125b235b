"""Web URLs beginning with a scheme or ``www.``, without trailing sentence punctuation."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "Url", "URL",
        r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+",
        0.85, lead=r"[\w@./-]", validate=v.url, lead_after=True,
        # The URL pattern matches an e-mail's domain ("www.x.org" in "a@www.x.org").
        shadowed_inside=("EMAIL_ADDRESS",),
    ),
)  # fmt: skip
