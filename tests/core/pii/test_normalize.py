"""Normalization before the scan (vault_core.pii.normalize): folding and the offset map."""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.hits import Hits
from vault_core.pii.normalize import CONFUSABLES, map_back, normalize_text, normalize_texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111\u00a01111", "4111 1111"),
        ("4111\u202f1111", "4111 1111"),
        ("4111\u3000\u20031111", "4111  1111"),
        ("41\u200b11\u200c11\u200d11\u206011\ufeff11\u00ad", "411111111111"),
        ("536\u201322\u20141234", "536-22-1234"),
        ("536\u221222\u20111234", "536-22-1234"),
        ("\uff15\uff13\uff16", "536"),
        ("\u0665\u0663\u0666", "536"),
        ("jane\uff20example\uff0ecom", "jane@example.com"),
        ("\uff4a\uff41\uff4e\uff45", "jane"),
        ("ju\u0308rgen", "j\u00fcrgen"),
        ("\ufb01le", "file"),
        ("j\u0430ne", "jane"),
        ("J\u03bfhn", "John"),
        ("line\u2028break", "line\nbreak"),
    ],
)
def test_when_obfuscated_then_read_plain(text: str, expected: str) -> None:
    assert normalize_text(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii 4111 1111",
        "caf\u00e9 \u4e2d\u6587 \u043c\u0438\u0440",  # real non-ASCII text reads as itself
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u0411\u043e\u0440\u0438\u0441",  # Cyrillic words
    ],
)
def test_when_nothing_to_fold_then_text_and_offsets_unchanged(text: str) -> None:
    assert normalize_text(text) == (text, None)


def test_when_look_alikes_in_a_genuine_cyrillic_word_then_kept() -> None:
    # "Привет" holds look-alikes (р, е) but also letters without one: it stays Cyrillic.
    word = "\u041f\u0440\u0438\u0432\u0435\u0442"
    assert normalize_text(f"{word} j\u0430ne")[0] == f"{word} jane"


def test_when_one_for_one_changes_then_no_offset_map() -> None:
    normalized, offsets = normalize_text("4111\u00a01111 \uff15 j\u0430ne")
    assert normalized == "4111 1111 5 jane"
    assert offsets is None


def test_confusables_fold_to_one_latin_letter_each() -> None:
    for source, latin in CONFUSABLES.items():
        assert len(latin) == 1
        assert latin.isascii()
        assert latin.isalpha()
        assert unicodedata.name(source).split()[0] in {"CYRILLIC", "GREEK", "ARMENIAN"}


def test_when_span_covers_removed_characters_then_mapped_span_covers_them() -> None:
    text = "x 41\u200b11 y"
    normalized, offsets = normalize_text(text)
    assert normalized == "x 4111 y"
    assert offsets is not None
    assert offsets.span(2, 6) == (2, 7)
    assert offsets.span(0, 1) == (0, 1)
    assert offsets.span(7, 8) == (8, 9)


def test_when_arrow_texts_then_only_non_ascii_replaced() -> None:
    texts = pa.array(["plain", "41\u200b11", "caf\u00e9", "\uff11"], pa.large_string())
    normalized, maps = normalize_texts(texts, first=10)
    assert isinstance(normalized, pa.Array)
    assert normalized.to_pylist() == ["plain", "4111", "caf\u00e9", "1"]
    assert list(maps) == [11]


def test_when_all_ascii_then_same_objects_back() -> None:
    texts = pa.array(["a", "b"], pa.large_string())
    assert normalize_texts(texts)[0] is texts
    plain = ["a", "b"]
    assert normalize_texts(plain)[0] is plain


def test_map_back_moves_only_the_hits_of_mapped_texts() -> None:
    _, offsets = normalize_text("41\u200b11")
    assert offsets is not None
    hits = Hits(
        np.array([0, 1]),
        np.array([0, 0]),
        np.array([4, 4]),
        np.zeros(2, dtype=np.int32),
        np.zeros(2, dtype=np.int32),
        np.ones(2),
    )
    moved = map_back(hits, {1: offsets})
    assert moved.start.tolist() == [0, 0]
    assert moved.end.tolist() == [4, 5]


# -- offset invariants -------------------------------------------------------------------

_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"]
_SPACES = ["\u00a0", "\u202f", "\u2007", "\u3000"]
# Filler around the value: no digits, no "@" (the value is found by its plain form), no
# combining marks (they would compose with the value's edge); characters whose normalized
# form is longer or shorter move the offsets.
_FILLER = st.text(
    alphabet=st.sampled_from(
        ["a", "Z", " ", ".", "\u00e9", "\u4e2d", "\u0436", "\ufb01", "\u2122", "\u3000",
         *_INVISIBLE, *_SPACES, "\u2013", "\uff41"]
    ),
    max_size=20,
)  # fmt: skip


def _full_width(char: str) -> str:
    if "!" <= char <= "~":
        return chr(ord(char) - 0x21 + 0xFF01)
    return char


@st.composite
def _obfuscated(draw: st.DrawFn, plain: str) -> str:
    """``plain`` with invisible characters and no-break spaces between its characters and
    some characters in full width."""
    out = []
    for index, char in enumerate(plain):
        if index and draw(st.booleans()):
            out.append(draw(st.sampled_from(_INVISIBLE)))
        out.append(_full_width(char) if draw(st.booleans()) else char)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    plain=st.sampled_from(["jane.doe@example.com", "4111 1111 1111 1111", "536-22-1234"]),
    before=_FILLER,
    after=_FILLER,
)
def test_mapped_span_covers_exactly_the_obfuscated_value(
    data: st.DataObject, plain: str, before: str, after: str
) -> None:
    value = data.draw(_obfuscated(plain))
    text = before + value + after
    normalized, offsets = normalize_text(text)
    at = normalized.find(plain)
    assert at >= 0
    if offsets is None:
        assert (at, at + len(plain)) == (len(before), len(before) + len(value))
    else:
        assert offsets.span(at, at + len(plain)) == (len(before), len(before) + len(value))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_offset_map_is_monotone_and_in_bounds(text: str) -> None:
    normalized, offsets = normalize_text(text)
    if offsets is None:
        assert len(normalized) == len(text)
        return
    assert len(offsets.starts) == len(offsets.ends) == len(normalized)
    assert np.all(np.diff(offsets.starts) >= 0)
    assert np.all(offsets.starts < offsets.ends)
    assert np.all(offsets.ends <= len(text))
