"""The rare detectors' prefilter: one Hyperscan pass over a batch's joined text finds, for every
rare detector at once, the texts that may hold one of its matches; only those are then scanned,
with the detector's exact regex (Python's ``re``, text by text, as the reference pass does).

Each rare detector's search regex is compiled in Hyperscan's prefilter mode, which may match
more than the regex but never less (it approximates what it cannot run exactly), and
multi-line, so ``^`` and ``$`` hold at the line breaks that bound every text. Every exact match
therefore ends at a place Hyperscan reports, inside the match's own text (no pattern crosses a
line break, see :data:`~vault_core.pii.joined_text.SEPARATOR`): a text without a report holds
no match, and scanning a text alone finds the matches a scan of the whole joined text finds in
it. A scan costs about the same per byte whatever its regex, match or no match: one pass for
two dozen detectors instead of one each (measured in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from collections.abc import Sequence
from functools import cache
from typing import Any

import hyperscan
import numpy as np

from vault_core.pii.detectors import PatternDetector
from vault_core.pii.joined_text import Corpus, Haystack
from vault_core.pii.regex_bounds import digit_run, widest
from vault_core.pii.scan.hyperscan_db import compiled
from vault_core.pii.scan.judge import python_search

ENABLED = True
"""Whether rare detectors are prefiltered; when False (tests), the columnar pass scans them like
the others, with the same findings."""


class Prefilter:
    """A Hyperscan database of rare detectors' search regexes (in prefilter mode)."""

    def __init__(
        self, detectors: Sequence[PatternDetector], windows: tuple[int, int] | None = None
    ) -> None:
        """Compile the detectors whose search regex is bounded and whose classes only widen
        with ASCII ``\\w``, ``\\d`` and ``\\s`` (:attr:`detectors`, see
        :func:`_ascii_classes_widen`); the others are scanned the ordinary way. (In prefilter
        mode Hyperscan approximates what it cannot run exactly.)

        ``windows``: ``(least, width)`` of a haystack of :meth:`Corpus.near_digits` that the
        columnar pass builds anyway. The detectors whose every match holds a run of ``least``
        digits and is at most ``width`` characters wide are scanned in those windows only,
        which hold each of their matches (see :class:`~vault_core.pii.joined_text.Haystack`):
        national IDs of long digit runs, ~0.9 MB of text against ~0.13 MB on the benchmark
        corpus."""
        self.detectors = tuple(
            d for d in detectors if widest(d.search) is not None and _ascii_classes_widen(d.search)
        )
        near = [windows is not None and _fits(d, windows) for d in self.detectors]
        self.windows = windows if any(near) else None
        self._parts: list[tuple[bool, hyperscan.Database]] = []
        for inside in (False, True):
            ids = [index for index, placed in enumerate(near) if placed == inside]
            if ids:
                regexes = [self.detectors[index].search for index in ids]
                self._parts.append((inside, _database(regexes, ids)))

    def ends(self, corpus: Corpus, windows: Haystack | None = None) -> list[np.ndarray]:
        """Per detector of :attr:`detectors`: the character offsets into the joined text where
        a match may end (every place where one does, in order). ``windows``: the haystack of
        :attr:`windows`, if any."""
        ids: list[int] = []
        ends: list[int] = []

        def found(id_: int, _start: int, end: int, _flags: int, _context: object) -> None:
            ids.append(id_)
            ends.append(end)

        for inside, database in self._parts:
            if not inside:
                database.scan(corpus.raw, match_event_handler=found)
                continue
            assert windows is not None, "the prefilter's windows were not given"
            first = len(ends)
            if windows.size:
                database.scan(windows.data, match_event_handler=found)
            # Each end after the last byte of a match in a window: moved as that byte is.
            at = np.maximum(np.array(ends[first:], dtype=np.int64), 1)
            ends[first:] = (windows.to_corpus(at - 1, at)[1]).tolist()
        detector = np.array(ids, dtype=np.int64)
        at = corpus.chars(np.array(ends, dtype=np.int64))
        return [np.unique(at[detector == index]) for index in range(len(self.detectors))]


def _fits(detector: PatternDetector, windows: tuple[int, int]) -> bool:
    """Whether every match of the detector's search lies in the windows ``(least, width)``."""
    most = widest(detector.search)
    return most is not None and most <= windows[1] and digit_run(detector.search) >= windows[0]


@cache
def prefilter(
    detectors: tuple[PatternDetector, ...], windows: tuple[int, int] | None = None
) -> Prefilter:
    """The prefilter of these rare detectors (compiled once per process: ~0.25 s of CPU)."""
    return Prefilter(detectors, windows)


def matches_in(
    detector: PatternDetector, corpus: Corpus, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans into the joined text of the detector's values (group 2 of its search), given
    every place where a match of its search may end (:meth:`Prefilter.ends`).

    Each match lies within the ``widest`` characters before its end: the search runs, in its
    text alone (as the reference pass runs it), over the spans made of those stretches, and
    keeps the matches beginning in them. The first match it meets in a span is the whole
    text's first match beginning there: the text's earlier matches lie in earlier spans and
    end before it, so nothing the search of the whole text had consumed reaches into it; from
    there on, the two searches meet the same matches. The search stops ``widest`` characters
    past the span (no match beginning in it ends later)."""
    if not len(ends):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    width = widest(detector.search)
    assert width is not None
    text = np.searchsorted(corpus.ends, ends)
    # A match ending at ``end`` begins at ``end - width`` at the earliest, inside its text.
    low = np.maximum(ends - width, corpus.starts[np.minimum(text, len(corpus.starts) - 1)])
    fresh = np.flatnonzero((low[1:] > ends[:-1]) | (text[1:] != text[:-1])) + 1
    first = np.concatenate(([0], fresh))
    last = np.concatenate((fresh - 1, [len(ends) - 1]))
    search = python_search(detector.search)
    joined = corpus.joined
    spans: list[int] = []
    current, haystack, origin = -1, "", 0
    for number, begin, finish in zip(
        text[first].tolist(), low[first].tolist(), ends[last].tolist(), strict=True
    ):
        if number >= len(corpus.starts):
            continue  # a place past the last text (Hyperscan's approximations)
        if number != current:
            current, origin = number, int(corpus.starts[number])
            haystack = joined[origin : int(corpus.ends[number])]
        stop = min(finish - origin + width + 2, len(haystack))
        for match in search.finditer(haystack, begin - origin, stop):
            if match.start() > finish - origin:
                break
            spans.extend((origin + match.start(2), origin + match.end(2)))
    found = corpus.bytes_of(np.array(spans, dtype=np.int64)).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def _flags() -> int:
    # Without HS_FLAG_UCP: ``\\w``, ``\\d`` and ``\\s`` are ASCII, which compiles 7x faster
    # (0.19 s against 1.38 s for the default rare detectors) and only widens the classes the
    # rare detectors use (see _ascii_classes_widen).
    return int(
        hyperscan.HS_FLAG_PREFILTER
        | hyperscan.HS_FLAG_UTF8
        | hyperscan.HS_FLAG_MULTILINE
        | hyperscan.HS_FLAG_ALLOWEMPTY
    )


_BOUNDARIES = (re_constants.AT_BOUNDARY, re_constants.AT_NON_BOUNDARY)
_NARROWER_IN_ASCII = {
    re_constants.CATEGORY_WORD,
    re_constants.CATEGORY_DIGIT,
    re_constants.CATEGORY_SPACE,
}


@cache
def _ascii_classes_widen(regex: str) -> bool:
    """Whether reading the regex's ``\\w``, ``\\d`` and ``\\s`` as ASCII (Hyperscan without
    Unicode properties) matches at least what Python matches: they appear only inside negated
    classes (``[^\\w.-]``, wider in ASCII) and ``\\W``, ``\\D``, ``\\S`` only outside them;
    no ``\\b``."""
    return _widens(re_parser.parse(regex))


def _widens(items: Any) -> bool:
    for op, value in items:
        if op is re_constants.IN:
            negated = bool(value) and value[0][0] is re_constants.NEGATE
            for kind, member in value:
                if kind is re_constants.CATEGORY and (member in _NARROWER_IN_ASCII) != negated:
                    return False
            continue
        if op is re_constants.AT:
            inside: list[Any] = [] if value not in _BOUNDARIES else [None]
        elif op is re_constants.SUBPATTERN:
            inside = [value[-1]]
        elif op is re_constants.BRANCH:
            inside = list(value[1])
        elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            inside = [value[2]]
        else:
            continue
        if not all(part is not None and _widens(part) for part in inside):
            return False
    return True


def _database(regexes: Sequence[str], ids: Sequence[int]) -> hyperscan.Database:
    return compiled(regexes, _flags(), ids)
