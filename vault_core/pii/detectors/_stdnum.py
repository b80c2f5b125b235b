"""Checksums of national identifiers through python-stdnum, as batch validators.

python-stdnum (well kept, one module per identifier) decides validity: each candidate is a
Python call (a few microseconds). The detectors using it match few values (their patterns are
specific, most scan only near digit runs), so the Python loop stays small next to the scan;
the numpy validators of :mod:`vault_core.pii.validators` are for the detectors whose patterns
match often (cards, dates, phones).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vault_core.pii.validators import Values


def accepted_if(values: Values, is_valid: Callable[[str], bool]) -> np.ndarray:
    """Each value's length where ``is_valid`` holds for it, else 0 (patterns are ASCII, so
    byte lengths are character lengths)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    ok = np.fromiter(map(is_valid, values.strings()), dtype=bool, count=len(values))
    result: np.ndarray = np.where(ok, values.lengths, 0)
    return result
