"""``ends_with`` (one Hyperscan pass) against ``re.search(f"(?:{regex})\\Z", row)`` per row."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.detectors.zip_code import DETECTORS as ZIP_DETECTORS
from vault_core.pii.scan.judge import regex_width
from vault_core.pii.scan.suffixes import ends_with

_ZIP_BEFORE = ZIP_DETECTORS[0].before
assert _ZIP_BEFORE is not None
_REGEXES = (  # and the width of the rows
    (_ZIP_BEFORE, regex_width(_ZIP_BEFORE)),
    (r"(?:Apt|Suite)\.? ?", 9),  # rows wider than its matches
    (r"(?<=x)ab", 3),  # a look-behind: Hyperscan refuses it, Python's re decides
    (r"a?", 1),  # matches the empty string: every row ends with a match
)
_PIECES = ("Texas, ", "NY ", "New York ", "IL", ", ", " ", "Apt. ", "xab", "a", "\x00", "\x1a")


def _rows(texts: list[str], width: int) -> np.ndarray:
    padded = [text[-width:].rjust(width, "\x00") for text in texts]
    return np.frombuffer("".join(padded).encode("latin-1"), dtype=np.uint8).reshape(-1, width)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(_REGEXES),
    st.lists(st.lists(st.sampled_from(_PIECES), max_size=5).map("".join), max_size=40),
)
def test_ends_with_is_a_search_anchored_at_the_end_of_each_row(
    regex_and_width: tuple[str, int], texts: list[str]
) -> None:
    regex, width = regex_and_width
    rows = _rows(texts, width)
    expected = [
        re.search(f"(?:{regex})\\Z", row.tobytes().decode("latin-1")) is not None for row in rows
    ]
    assert ends_with(regex, rows).tolist() == expected


def test_a_match_inside_a_row_is_not_one_at_its_end() -> None:
    rows = _rows(["Texas 1", "in Texas, ", "TX "], 16)
    assert ends_with(_ZIP_BEFORE, rows).tolist() == [False, True, True]
