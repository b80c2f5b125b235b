"""Judging a detector's matches in the columnar pass: trails, validators, what must follow,
context words and scores, for all of a detector's matches at once (numpy)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from vault_core.pii.context_words import ContextWords
from vault_core.pii.detectors import CONTEXT_BOOST, DETECTOR_PREFIX, PatternDetector
from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits
from vault_core.pii.joined_text import NON_ASCII, Corpus
from vault_core.pii.regex_bounds import widest
from vault_core.pii.scan.suffixes import ends_with
from vault_core.pii.validators import Values

# Characters after a match that a detector's ``followed_by`` is tested on.
_FOLLOW_CHARS = 16


def judge(
    detector: PatternDetector,
    corpus: Corpus,
    byte_start: np.ndarray,
    byte_end: np.ndarray,
    threshold: float,
    hinted: np.ndarray,
    context: ContextWords,
) -> Hits:
    """Hits of one detector's matches that pass its trail, validator and threshold.

    ``hinted`` says per text whether its hint (column name) holds a context word."""

    if not len(byte_start):
        return Hits.empty()
    start, end = corpus.chars(byte_start), corpus.chars(byte_end)
    text = np.searchsorted(corpus.starts, start, side="right") - 1
    keep = (end > start) & (end <= corpus.ends[text])
    if detector.trail is not None or detector.no_decimal_after:
        fails = _trail_fails(detector, corpus, end) & keep
        if detector.retreat and fails.any():
            end, byte_end = end.copy(), byte_end.copy()
            for index in np.flatnonzero(fails).tolist():
                begin = int(start[index])
                match = detector.retreat_regex.match(
                    corpus.joined, begin, int(corpus.ends[text[index]])
                )
                if match is not None and match.end() > begin:
                    value = corpus.joined[begin : match.end()]
                    end[index] = match.end()
                    byte_end[index] = byte_start[index] + len(value.encode("utf-8"))
                    fails[index] = False
        keep &= ~fails
    if detector.validate is not None and keep.any() and needs_lift(detector, threshold):
        # Only a match with context can pass: validate those alone (a checksum in Python per
        # value costs more than the context lookup). Validators only shorten a value, and the
        # words near the longer match hold those near the shorter one, so this drops only
        # matches the lift below would drop; it runs again on what is validated.
        kept = np.flatnonzero(keep)
        keep[kept] = _lifted(detector, corpus, hinted, context, text[kept], start[kept], end[kept])
    if detector.validate is not None and keep.any():
        start, end, text = start[keep], end[keep], text[keep]
        byte_start, byte_end = byte_start[keep], byte_end[keep]
        runs = lambda: corpus.digit_runs_in_bytes  # noqa: E731 (computed if a validator asks)
        accepted = detector.validate(Values(corpus.utf8, byte_start, byte_end, runs))
        keep = accepted > 0
        end = start + accepted
    start, end, text = start[keep], end[keep], text[keep]
    if detector.followed_by is not None and len(start):
        # A C-level match per value (a few hundred): a polars call here waited for the scans
        # queued on polars' threads.
        after = corpus.after(text, end, _FOLLOW_CHARS).to_pylist()
        followed = match_each(python_search(detector.followed_by).match, after)
        start, end, text = start[followed], end[followed], text[followed]
    if not len(start):
        return Hits.empty()
    score = np.full(len(start), detector.score)
    boosted = min(1.0, detector.score + CONTEXT_BOOST)
    if detector.score < boosted and (detector.context or detector.before is not None):
        score[_lifted(detector, corpus, hinted, context, text, start, end)] = boosted
    passed = score >= threshold
    count = int(passed.sum())
    return Hits(
        text[passed],
        start[passed] - corpus.starts[text[passed]],
        end[passed] - corpus.starts[text[passed]],
        np.full(count, ENTITY_NAMES.code(detector.entity_type), dtype=np.int32),
        np.full(count, DETECTOR_NAMES.code(DETECTOR_PREFIX + detector.name), dtype=np.int32),
        score[passed],
    )


def needs_lift(detector: PatternDetector, threshold: float) -> bool:
    """Whether the detector's matches pass ``threshold`` only when context (a word, a hint or
    its ``before`` regex) lifts their score."""
    lifts = bool(detector.context) or detector.before is not None
    return lifts and detector.score < threshold <= min(1.0, detector.score + CONTEXT_BOOST)


def _lifted(
    detector: PatternDetector,
    corpus: Corpus,
    hinted: np.ndarray,
    context: ContextWords,
    text: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> np.ndarray:
    """Whether each match's score is lifted: its text's hint, a context word near it, or the
    detector's ``before`` regex just before it."""
    lifted = hinted[text].copy()
    rest = np.flatnonzero(~lifted)
    if len(rest) and detector.context:
        lifted[rest] |= context.near(detector, corpus, text[rest], start[rest], end[rest])
        rest = np.flatnonzero(~lifted)
    if len(rest) and detector.before is not None:
        width = regex_width(detector.before)
        lifted[rest] |= ends_with(detector.before, corpus.before(text[rest], start[rest], width))
    result: np.ndarray = lifted
    return result


def _trail_fails(detector: PatternDetector, corpus: Corpus, end: np.ndarray) -> np.ndarray:
    """Whether the character after each match is one the detector's trail forbids."""
    after = corpus.codes[end]
    fails = np.zeros(len(end), dtype=bool)
    if detector.trail is not None:
        fails = in_class(detector.trail, corpus, end)
    if detector.no_decimal_after:
        digit_next = corpus.codes[np.minimum(end + 1, len(corpus.codes) - 1)]
        fails |= (after == ord(".")) & (digit_next >= ord("0")) & (digit_next <= ord("9"))
    return fails


def in_class(
    character_class: str, corpus: Corpus, position: np.ndarray, codes: np.ndarray | None = None
) -> np.ndarray:
    """Whether the character at each position of the joined text is in the class. ``codes``:
    the character codes at those positions, if the caller has them already."""
    if codes is None:
        codes = corpus.codes[position]
    result: np.ndarray = class_table(character_class)[codes]
    unsure = np.flatnonzero(codes == NON_ASCII) if corpus.unsure else ()
    if len(unsure):
        # A non-ASCII character (or \x1a): ask the Unicode-aware class itself.
        pattern = python_search(character_class)
        result[unsure] = [
            pattern.fullmatch(corpus.joined[at]) is not None for at in position[unsure].tolist()
        ]
    return result


@cache
def code_table(codes: frozenset[int]) -> np.ndarray:
    """Which of the 256 byte codes are in ``codes`` (a lookup table: faster than np.isin)."""
    table = np.zeros(256, dtype=bool)
    table[list(codes)] = True
    return table


@cache
def class_table(character_class: str) -> np.ndarray:
    """Which ASCII codes a character class holds (index ``NON_ASCII`` is decided per match)."""
    pattern = re.compile(character_class)
    return np.array([pattern.fullmatch(chr(code)) is not None for code in range(256)])


@cache
def python_search(search: str) -> re.Pattern[str]:
    return re.compile(search)


def match_each(match: Callable[[str], re.Match[str] | None], texts: Sequence[str]) -> np.ndarray:
    """Whether ``match`` (a compiled regex's ``match`` or ``fullmatch``) matches each text."""
    return np.array([found is not None for found in map(match, texts)], dtype=bool)


def regex_width(regex: str) -> int:
    """The most characters a match of ``regex`` can span (it must be bounded)."""
    most = widest(regex)
    if most is None:
        raise ValueError(f"regex {regex!r} has no bound on its width")
    return most
