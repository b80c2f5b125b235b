"""Column names that look like values: an e-mail address or a long run of digits.

Column names go where values never go unprotected: table schemas, run metadata, logs. A CSV
without a header row makes its first row the header, so its values (e-mail addresses, card or
phone numbers) would become column names. Such a name refuses the rows it would label.
"""

from __future__ import annotations

import re
from functools import lru_cache

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]{2,}")
_LONG_NUMBER = re.compile(r"\d(?:[ ./-]?\d){6,}")  # 7+ digits: phone, SSN, card, account


@lru_cache(maxsize=4096)
def looks_like_value(name: str) -> bool:
    """Whether a column name looks like an e-mail address or a number of seven or more digits."""
    return bool(_EMAIL.search(name) or _LONG_NUMBER.search(name))


def value_like_position(names: list[str]) -> int | None:
    """1-based position of the first name that looks like a value, or ``None``."""
    for position, name in enumerate(names, start=1):
        if looks_like_value(name):
            return position
    return None
