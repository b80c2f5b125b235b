"""Where the detectors' context words occur in a batch's joined text
(:mod:`vault_core.pii.joined_text`), for the columnar pattern pass's judging
(:mod:`vault_core.pii.scan.judge`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from vault_core.pii.detectors._pattern import CONTEXT_AFTER, CONTEXT_WINDOW, PatternDetector
from vault_core.pii.joined_text import Corpus, Haystack

if TYPE_CHECKING:
    import polars as pl

_WordIndex = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class ContextWords:
    """Where the detectors' context words occur in a batch's joined text.

    A match has context when one of its detector's words lies wholly within the
    ``CONTEXT_WINDOW`` characters before it or the ``CONTEXT_AFTER`` characters after it, in
    its own text, in any ASCII case, and overlapping no placeholder the policy wrote
    (:mod:`vault_core.pii.placeholders`). One Aho-Corasick pass (polars ``find_many``) finds every
    word of every detector; each detector then asks about all its matches at once with binary
    searches, instead of cutting a window out of the text per match."""

    def __init__(self, words: Sequence[str], start: np.ndarray, word: np.ndarray) -> None:
        self.words = list(words)
        self.start = start
        self.word = word
        self.end = start + np.array([len(w) for w in self.words], dtype=np.int64)[word]
        self._indexes: dict[tuple[str, ...], _WordIndex | None] = {}

    def _index(self, words: tuple[str, ...]) -> _WordIndex | None:
        """The places of ``words`` ordered for :meth:`near`'s binary searches (None if none
        was found), built once per word set: detectors share theirs (the phone detectors)."""
        if words in self._indexes:
            return self._indexes[words]
        # Which found words are these: a lookup by word number (faster than np.isin).
        wanted = np.zeros(len(self.words), dtype=bool)
        wanted[[self.words.index(w) for w in words]] = True
        mine = wanted[self.word]
        word_start, word_end = self.start[mine], self.end[mine]
        index: _WordIndex | None = None
        if len(word_start):
            # Ends in order with the latest start up to each; starts in order with the
            # earliest end from each on.
            by_end = np.argsort(word_end, kind="stable")
            by_start = np.argsort(word_start, kind="stable")
            index = (
                word_end[by_end],
                np.maximum.accumulate(word_start[by_end]),
                word_start[by_start],
                np.minimum.accumulate(word_end[by_start][::-1])[::-1],
            )
        self._indexes[words] = index
        return index

    @staticmethod
    def search(words: Sequence[str]) -> pl.Expr:
        """The polars expression finding ``words`` in a haystack's rows (``text``), for
        :meth:`of_found`: it runs in a scan's select, beside the detectors."""
        import polars as pl

        return pl.col("text").str.find_many(
            list(words), ascii_case_insensitive=True, overlapping=True
        )

    @classmethod
    def of_found(
        cls,
        words: Sequence[str],
        found: pl.Series | None,
        haystack: Haystack,
        corpus: Corpus,
        *,
        placeholders: pl.Series | None = None,
    ) -> ContextWords:
        """The places of ``words`` in the corpus, from what :meth:`search` found in the
        haystack (the whole joined text; None when there are no words), less those that
        overlap a placeholder (``placeholders``: the markers a scan of the haystack for
        :data:`~vault_core.pii.placeholders.PLACEHOLDER` put around each, see
        :mod:`vault_core.pii.placeholders`)."""
        if not words or found is None:
            return cls(words, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        offsets = haystack.offsets(found)
        at = np.sort(corpus.chars(haystack.to_corpus(offsets, offsets)[0]))
        start = at[np.concatenate(([True], at[1:] != at[:-1]))] if len(at) else at
        # Which words begin at each start: the ASCII-lower-cased characters there, read as
        # two little-endian integers of eight characters each and masked to a word's length,
        # against the word's (cheaper than having polars extract every match, or comparing
        # character matrices): per word length, a binary search among that length's words.
        chars = _sixteen(corpus.codes, start)
        chars += ((chars >= 65) & (chars <= 90)) * np.uint8(32)
        keys = np.ascontiguousarray(chars).view("<u8")
        starts, indices = [], []
        for length, first_keys, second_keys, numbers, hashed in _words_by_length(tuple(words)):
            low_mask, high_mask = _key_masks(length)
            first = keys[:, 0] & low_mask
            slot = hashed.slots[(first * hashed.factor) >> hashed.shift]
            hit = first_keys[slot] == first
            if length > 8:
                hit &= second_keys[slot] == (keys[:, 1] & high_mask)
            at_word = np.flatnonzero(hit)
            starts.append(start[at_word])
            indices.append(numbers[slot[at_word]])
        places, numbers = np.concatenate(starts), np.concatenate(indices)
        if placeholders is not None and len(places):
            low, high = haystack.marked_spans(placeholders)
            if len(low):
                lengths = np.array([len(w) for w in words], dtype=np.int64)
                end = places + lengths[numbers]
                outside = ~_overlaps(places, end, corpus.chars(low), corpus.chars(high))
                places, numbers = places[outside], numbers[outside]
        return cls(words, places, numbers)

    def near(
        self,
        detector: PatternDetector,
        corpus: Corpus,
        text: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
    ) -> np.ndarray:
        """Whether each match ``[start, end)`` of ``text`` has one of the detector's words
        near it."""
        index = self._index(detector.context)
        if index is None:
            return np.zeros(len(start), dtype=bool)
        ends, latest, starts, earliest = index
        # Before: of the words ending at or before the match, the latest start.
        last = np.searchsorted(ends, start, side="right") - 1
        lowest = np.maximum(start - CONTEXT_WINDOW, corpus.starts[text])
        before = (last >= 0) & (latest[np.maximum(last, 0)] >= lowest)
        # After: of the words starting at or after the match's end, the earliest end.
        first = np.searchsorted(starts, end, side="left")
        highest = np.minimum(end + CONTEXT_AFTER, corpus.ends[text])
        after = (first < len(starts)) & (earliest[np.minimum(first, len(starts) - 1)] <= highest)
        result: np.ndarray = before | after
        return result


def _overlaps(start: np.ndarray, end: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Whether each span ``[start, end)`` overlaps one of the sorted, disjoint, non-empty spans
    ``[low, high)``: the first of those ending after the span's start begins before its end."""
    first = np.searchsorted(high, start, side="right")
    result: np.ndarray = (first < len(low)) & (low[np.minimum(first, len(low) - 1)] < end)
    return result


def _sixteen(codes: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The 16 codes from each start (the last code repeated past the end), one row each."""
    limit = len(codes) - 16
    if limit < 0:
        rows: np.ndarray = codes[np.minimum(start[:, None] + np.arange(16), len(codes) - 1)]
        return rows
    # Rows of a sliding view (no index matrix); the few starts near the end redone.
    rows = sliding_window_view(codes, 16)[np.minimum(start, limit)]
    late = np.flatnonzero(start > limit)
    if len(late):
        rows[late] = codes[np.minimum(start[late, None] + np.arange(16), len(codes) - 1)]
    return rows


@dataclass(frozen=True)
class _Hashed:
    """A perfect hash of distinct 64-bit keys: key i lies at ``slots[(key * factor) >> shift]``
    (a multiplicative hash; a binary search over a few keys cost 10x per value)."""

    factor: np.uint64
    shift: np.uint64
    slots: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray) -> _Hashed:
        bits = len(keys).bit_length() + 1
        factors = np.random.default_rng(0).integers(1, 2**63, size=10_000, dtype=np.uint64)
        while True:
            for factor in factors | np.uint64(1):  # odd
                shift = np.uint64(64 - bits)
                places = (keys * factor) >> shift
                if len(np.unique(places)) == len(keys):
                    slots = np.zeros(1 << bits, dtype=np.int64)
                    slots[places] = np.arange(len(keys))
                    return cls(factor, shift, slots)
            bits += 1


@cache
def _words_by_length(
    words: tuple[str, ...],
) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray, _Hashed]]:
    """Per word length: the words' two keys (see :func:`_word_key`), their numbers in
    ``words``, and a perfect hash of their first keys; a length whose words share a first key
    (beyond eight characters) is split into groups that do not."""
    groups: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, _Hashed]] = []
    for length in sorted({len(word) for word in words}):
        chosen = sorted(
            (_word_key(word), number) for number, word in enumerate(words) if len(word) == length
        )
        while chosen:
            # Each pass takes one word per first key.
            taken = [
                item for i, item in enumerate(chosen) if i == 0 or item[0][0] != chosen[i - 1][0][0]
            ]
            chosen = [item for item in chosen if item not in taken]
            first_keys = np.array([key[0] for key, _ in taken], dtype=np.uint64)
            groups.append(
                (
                    length,
                    first_keys,
                    np.array([key[1] for key, _ in taken], dtype=np.uint64),
                    np.array([number for _, number in taken], dtype=np.int64),
                    _Hashed.of(first_keys),
                )
            )
    return groups


@cache
def _key_masks(length: int) -> tuple[np.uint64, np.uint64]:
    """The bits of a word's first ``length`` characters in the two 8-character keys."""
    low, high = min(length, 8), max(length - 8, 0)
    return np.uint64((1 << (8 * low)) - 1), np.uint64((1 << (8 * high)) - 1)


@cache
def _word_key(word: str) -> tuple[int, int]:
    """A context word (ASCII, at most 16 characters) as two little-endian 8-byte integers."""
    raw = word.encode("ascii")
    if len(raw) > 16:
        raise ValueError(f"context word {word!r} is longer than 16 characters")
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")
