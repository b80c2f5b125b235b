"""Rare detectors without a width bound are searched only in the texts holding a match, when
those are few.

A rare detector whose matches have no width bound (``EuropeanStreetAddress``'s street forms: a
name of any length before "straße 5") cannot be prefiltered the way
:mod:`vault_core.pii.scan.prefilter` does (a report there is searched within the widest match
before it), so it was scanned by polars in the whole batch: ~3.5 ms per MB on the tickets, for
66 texts in 103,104 holding a match.

Here its pattern is compiled in Hyperscan exactly, not in prefilter mode: only patterns whose
every part Hyperscan runs as Python does qualify (literals, classes without ``\\w``, ``\\d`` or
``\\s``, alternations and repeats; no anchors, look-arounds, back references or flags; see
:func:`exact_in_hyperscan`). Hyperscan then reports the end of every match of the pattern, so a
text without a report holds no match of the detector's search (its value is a match of the
pattern; the lead before it only removes matches). One pass of all such patterns per batch
(~0.5 ms per MB) finds the texts that do; it stops early when reports are many. If those texts
are few (:func:`~vault_core.pii.scan.context_gate.few_enough`), the detector is searched in
them alone, text by text with Python's ``re`` as the reference pass does; otherwise it is
scanned by polars as before. No match crosses a line break, so a text searched alone gives the
matches a scan of the whole batch gives in it.
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
from vault_core.pii.joined_text import Corpus
from vault_core.pii.regex_bounds import widest
from vault_core.pii.scan.context_gate import few_enough, report_limit
from vault_core.pii.scan.hyperscan_db import compiled

ENABLED = True
"""Whether rare unbounded detectors are searched only in the texts holding a match; when False
(tests), the columnar pass scans them like the others, with the same findings."""


def gated(detector: PatternDetector) -> bool:
    """Whether the detector is searched only in the texts holding a match of its pattern: rare,
    without a width bound (bounded ones are prefiltered) and run by Hyperscan exactly."""
    return (
        detector.rare
        and widest(detector.search) is None
        and exact_in_hyperscan(detector.pattern)
        and _database((detector.pattern,)) is not None
    )


def texts_to_scan(corpus: Corpus, detectors: Sequence[PatternDetector]) -> dict[str, np.ndarray]:
    """Per detector of ``detectors`` (each :func:`gated`) that is worth it: the numbers of the
    texts holding a match of its pattern, in order. Empty when the pass met more reports than
    :func:`~vault_core.pii.scan.context_gate.report_limit` allows (for all of them: they share
    one pass)."""
    if not detectors:
        return {}
    database = _database(tuple(detector.pattern for detector in detectors))
    assert database is not None  # each compiles alone (gated), so all do together
    # Each match reports every end its pattern allows ("7" and "71" of "Via Franscini 71").
    limit = report_limit(corpus)
    ids: list[int] = []
    ends: list[int] = []

    def found(id_: int, _start: int, end: int, _flags: int, _context: object) -> bool:
        ids.append(id_)
        ends.append(end)
        return len(ends) > limit  # stops the scan

    try:
        database.scan(corpus.raw, match_event_handler=found)
    except hyperscan.ScanTerminated:
        return {}
    detector_of = np.array(ids, dtype=np.int64)
    at = np.array(ends, dtype=np.int64)
    chosen: dict[str, np.ndarray] = {}
    for index, detector in enumerate(detectors):
        texts = corpus.texts_ending(at[detector_of == index])
        if few_enough(corpus, texts):
            chosen[detector.name] = texts
    return chosen


@cache
def exact_in_hyperscan(regex: str) -> bool:
    """Whether Hyperscan (UTF-8, without Unicode properties) matches exactly the strings that
    Python's ``re`` matches with ``regex``: it holds only literals, classes of literals and
    ranges, ``.``, groups without flags, alternations and repeats."""
    parsed = re_parser.parse(regex)
    return parsed.state.flags & ~re_constants.SRE_FLAG_UNICODE == 0 and _exact(parsed)


_PLAIN = {re_constants.LITERAL, re_constants.NOT_LITERAL, re_constants.ANY}
_REPEATS = {re_constants.MAX_REPEAT, re_constants.MIN_REPEAT}


def _exact(items: Any) -> bool:
    for op, value in items:
        if op in _PLAIN:
            continue
        if op is re_constants.IN:
            # Literals, ranges and a leading negation; no category (\w, \d, \s: ASCII in
            # Hyperscan without Unicode properties, Unicode in Python).
            kinds = {re_constants.LITERAL, re_constants.RANGE, re_constants.NEGATE}
            if not all(kind in kinds for kind, _ in value):
                return False
        elif op is re_constants.SUBPATTERN:
            _group, add_flags, del_flags, inside = value
            if add_flags or del_flags or not _exact(inside):
                return False
        elif op is re_constants.BRANCH:
            if not all(_exact(branch) for branch in value[1]):
                return False
        elif op in _REPEATS:
            if not _exact(value[2]):
                return False
        else:  # anchors, look-arounds, back references, possessive and atomic groups
            return False
    return True


@cache
def _database(patterns: tuple[str, ...]) -> hyperscan.Database | None:
    """The patterns compiled exactly (UTF-8); None if Hyperscan cannot compile them."""
    try:
        return compiled(patterns, hyperscan.HS_FLAG_UTF8)
    except hyperscan.error:
        return None
