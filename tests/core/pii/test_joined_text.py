"""Tests of the joined texts the columnar pattern pass scans."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.joined_text import Corpus

_PIECES = st.sampled_from(["ab ", "12", "3456789", "é", "中文", "\x01", "\x02", "\n", "-", " "])
_TEXTS = st.lists(st.lists(_PIECES, max_size=20).map("".join), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(_TEXTS)
def test_when_joined_from_arrow_then_same_as_from_python_strings(texts: list[str]) -> None:
    lengths = np.array([len(text) for text in texts], dtype=np.int64)
    python = Corpus.of_texts(texts)
    arrow = Corpus.of_array(pa.array(texts, pa.large_string()), lengths)
    assert arrow.raw == python.raw
    assert arrow.joined == python.joined
    assert np.array_equal(arrow.codes, python.codes)
    assert np.array_equal(arrow.starts, python.starts)
    assert b"\x01" not in arrow.raw
    assert b"\x02" not in arrow.raw


@settings(max_examples=100, deadline=None)
@given(_TEXTS, st.integers(1, 6), st.integers(0, 12))
def test_when_windows_built_then_they_hold_every_digit_run_with_its_margin(
    texts: list[str], least: int, width: int
) -> None:
    corpus = Corpus.of_texts(texts)
    haystack = corpus.near_digits(least, width)
    data = haystack.frame.get_column("text").str.join("").item().encode() if haystack.size else b""
    # Window i spans from its content offset to the line break before window i + 1.
    ends = [*(haystack.content[1:] - 1).tolist(), len(data)] if haystack.size else []
    covered = np.zeros(len(corpus.codes), dtype=bool)
    for content, end, origin in zip(
        haystack.content.tolist(), ends, haystack.origin.tolist(), strict=True
    ):
        # Every window's bytes are the joined text's own, after a line break.
        size = end - content
        assert data[content - 1 : content] == b"\n"
        assert corpus.raw[origin : origin + size] == data[content:end]
        first, last = corpus.chars(np.array([origin, origin + size])).tolist()
        covered[first:last] = True
    starts, stops = corpus.digit_runs
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        if stop - start >= least:
            low, high = max(start - width - 1, 0), min(stop + width + 1, len(corpus.codes) - 1)
            assert covered[low:high].all()
