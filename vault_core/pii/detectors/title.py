"""Honorifics before a capitalised word ("Dr. Lee"): part of a name, kept beside NER's PERSON."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        "Title", "TITLE",
        r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.",
        0.6, lead=r"[\w.]", followed_by=" [A-Z]", lead_after=True,
    ),
)  # fmt: skip
