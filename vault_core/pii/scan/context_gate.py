"""Detectors that pass only with context are searched only in the texts holding one of their
context words, when those are few.

A match of such a detector (``UsDriverLicenseInContext``: 6-14 digits, score 0.16, 0.51 with
"license" near it) is kept only when one of its words lies near it in its own text, or the
text's hint holds one. In the other texts its scan finds only matches that are dropped: 36,500
of them per 20 MB of tickets, all judged and dropped, after a polars scan that cost ~3% of the
pass's CPU.

One Hyperscan pass of a detector's words (literal, any letter case; ~2 GB/s) finds the texts
that hold one; it stops early when the words are common. If those texts are few, the detector
is searched in them alone, text by text with Python's ``re`` as the reference pass does, instead
of scanned by polars in the whole batch; it meets the same matches there (no match crosses a
line break). The words found here are a superset of those that count (a word inside a
placeholder does not): the judge decides on the exact ones, as for every detector.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

import hyperscan
import numpy as np

from vault_core.pii.detectors import PatternDetector
from vault_core.pii.joined_text import Corpus
from vault_core.pii.scan.hyperscan_db import compiled
from vault_core.pii.scan.judge import needs_lift

ENABLED = True
"""Whether gated detectors are searched only in the texts holding their words; when False
(tests), the columnar pass scans them like the others, with the same findings."""
_MOST_REPORTS_PER_TEXT = 1 / 16
"""The word pass stops after this many words per text of the batch: the texts holding the words
are then too many to search in Python."""
_FIRST_CHECK = 64
"""The word pass checks the size of the texts met after this many reports, then after twice as
many each time."""
_MOST_SHARE = 1 / 64
_MOST_CHARACTERS = 16_384
"""A detector is searched in the texts holding its words only if they hold at most this share
of the batch's characters, or this many (Python's ``re`` scans ~30 MB/s here, polars ~400 MB/s a
thread)."""


def gated(detector: PatternDetector, threshold: float) -> bool:
    """Whether the detector's matches pass ``threshold`` only with a context word near them or
    a hint (no ``before`` regex, which lifts a score without a word)."""
    return bool(detector.context) and detector.before is None and needs_lift(detector, threshold)


def texts_to_scan(
    corpus: Corpus, detectors: Sequence[PatternDetector], hinted: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per detector of ``detectors`` (each :func:`gated`) that is worth it: the numbers of the
    texts to search it in, in order: those holding one of its words and those ``hinted`` (per
    detector name, whether each text's hint holds one of its words)."""
    chosen: dict[str, np.ndarray] = {}
    found: dict[tuple[str, ...], np.ndarray | None] = {}
    limit = report_limit(corpus)
    for detector in detectors:
        words = tuple(sorted(set(detector.context)))
        if words not in found:
            found[words] = _texts_holding(corpus, words, limit)
        holding = found[words]
        if holding is None:
            continue
        texts = np.union1d(holding, np.flatnonzero(hinted[detector.name]))
        if few_enough(corpus, texts):
            chosen[detector.name] = texts
    return chosen


def report_limit(corpus: Corpus) -> int:
    """How many reports a gate's Hyperscan pass takes before it stops: beyond it, the texts
    holding them are too many to search in Python (see :data:`_MOST_REPORTS_PER_TEXT`)."""
    return max(64, int(len(corpus.starts) * _MOST_REPORTS_PER_TEXT))


def few_enough(corpus: Corpus, texts: np.ndarray) -> bool:
    """Whether the texts numbered ``texts`` are few enough to search in Python instead of
    scanning the batch with polars (see :data:`_MOST_SHARE`)."""
    size = int((corpus.ends[texts] - corpus.starts[texts]).sum())
    return size <= max(_MOST_CHARACTERS, _MOST_SHARE * len(corpus.codes))


def _texts_holding(corpus: Corpus, words: tuple[str, ...], limit: int) -> np.ndarray | None:
    """The numbers of the texts holding one of ``words`` in any letter case, in order; None if
    there are more than ``limit`` of the words or the texts holding them are not
    :func:`few_enough`."""
    ends: list[int] = []
    check = [_FIRST_CHECK]

    def found(_id: int, _start: int, end: int, _flags: int, _context: object) -> bool:
        ends.append(end)
        if len(ends) > limit:
            return True  # stops the scan
        if len(ends) < check[0]:
            return False
        # At 64, 128, 256, ... reports: stop once the texts met are too large to search in
        # Python (common words in long texts: the scan would reach the limit in vain).
        check[0] *= 2
        texts = corpus.texts_ending(np.array(ends, dtype=np.int64))
        return not few_enough(corpus, texts)

    try:
        _database(words).scan(corpus.raw, match_event_handler=found)
    except hyperscan.ScanTerminated:
        return None
    return corpus.texts_ending(np.array(ends, dtype=np.int64))


@cache
def _database(words: tuple[str, ...]) -> hyperscan.Database:
    return compiled([re.escape(word) for word in words], hyperscan.HS_FLAG_CASELESS)
