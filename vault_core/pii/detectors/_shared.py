"""Regex pieces and shadowing lists several detector modules share."""

from __future__ import annotations

from vault_core.pii.finding import NUMBER_TYPES as NUMBER_TYPES

NUMBER_EDGE = r"[\w-]"
"""Lead and trail of bare numbers: not inside a word or a dashed number."""
