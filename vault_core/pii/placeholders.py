"""The placeholders the policy's operators write, and the text the context words are looked for in.

A placeholder (``<US_DRIVER_LICENSE>``, a token ``<PHONE_NUMBER_9f2c1a7e>``, a pseudonym
``<PERSON:k5zq...>``) names what was removed; it is no context for what is left. Scanning
anonymized text, a detector whose context words include "license" or "phone" would find them
inside the placeholder and report a number beside it that detection, reading the original text,
rightly left alone. So a context word that overlaps a placeholder does not count, in every pass
that looks for context words. The text itself is never rewritten: offsets and the distances
between a match and the other context words stay as they are.
"""

from __future__ import annotations

import re

PLACEHOLDER = r"<[A-Z][A-Z0-9_]*(?:_[0-9a-f]{8,64}|:[a-z2-7]{26,})?>"
"""A placeholder as the operators write it with their default templates: ``<TYPE>`` (replace,
and generalize where it cannot coarsen), ``<TYPE_hexdigest>`` (token) and ``<TYPE:base32>``
(pseudonym). In the subset Python's ``re`` and Rust's regex share; the columnar pass finds it
with polars, the match-by-match passes with :data:`PLACEHOLDER_RE`, and both find the same
spans. A user template of another shape (``[{entity_type}]``) is not recognised."""

PLACEHOLDER_RE = re.compile(PLACEHOLDER)

HIDDEN = "\x00"
"""Stands for a placeholder's characters in :func:`context_text` (no context word holds it)."""


def context_text(text: str) -> str:
    """``text`` with every placeholder's characters replaced by :data:`HIDDEN`: the same length,
    so a context word is found in it where it is in ``text``, unless it overlaps a placeholder.

    (A context word without ``<`` or ``>`` that overlaps a placeholder lies wholly inside it.)"""
    if "<" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda match: HIDDEN * (match.end() - match.start()), text)
