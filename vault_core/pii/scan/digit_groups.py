"""Detectors whose value is groups of digits with one separator character between them (a SIN's
3-3-3, an Aadhaar number's 4-4-4): their matches are read off the corpus's runs of digits in
numpy, without a regex scan.

The value of such a detector begins where a run of digits begins (its lead class holds every
digit, so no digit precedes it), each group but the last is a whole run (a separator, not a
digit, follows it), and the last group is the first digits of a run (the trail is checked
later, as for any match). A search's leftmost-first matches in a text are then the candidates
that do not begin inside the previous kept match (its lead character included): every
candidate has exactly one match width, so the search meets them in order.
"""

from __future__ import annotations

import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import numpy as np

from vault_core.pii.detectors import PatternDetector
from vault_core.pii.joined_text import Corpus
from vault_core.pii.regex_bounds import DIGIT_CODES, ascii_codes
from vault_core.pii.scan.judge import class_table, code_table, in_class

ENABLED = True
"""Whether detectors of digit-group shape are matched from the digit runs; when False (tests),
the columnar pass scans them like the others, with the same findings."""

# Run lengths in Runs.steps are capped here: a shape's groups are shorter.
_LONGEST = 63


@dataclass(frozen=True)
class Shape:
    """A value of digit groups: each group's length and each separator's characters; per
    digit place, the codes it may hold where narrower than every digit."""

    lengths: tuple[int, ...]
    separators: tuple[frozenset[int], ...]
    narrower: tuple[tuple[int, frozenset[int]], ...]


@cache
def shape(detector: PatternDetector) -> Shape | None:
    """The detector's digit-group shape, or None if its matches are not read off digit runs:
    a pattern of fixed-width ASCII classes that is digit groups with one separator character
    (never a digit or a line break) between them, behind a lead class holding every digit,
    with no prefix, suffix or lead checked after the scan."""
    if detector.prefix is not None or detector.suffix is not None or detector.lead is None:
        return None
    if detector.lead_after or not class_table(detector.lead)[sorted(DIGIT_CODES)].all():
        return None
    places = _places(re_parser.parse(detector.pattern))
    if not places:
        return None
    lengths: list[int] = []
    separators: list[frozenset[int]] = []
    narrower: list[tuple[int, frozenset[int]]] = []
    previous_digit = False
    for offset, codes in enumerate(places):
        if codes <= DIGIT_CODES:
            if codes != DIGIT_CODES:
                narrower.append((offset, codes))
            if previous_digit:
                lengths[-1] += 1
            else:
                lengths.append(1)
            previous_digit = True
        elif codes & DIGIT_CODES or 10 in codes or not previous_digit:
            return None  # a class of digits and others; a line break; two separators
        else:
            separators.append(codes)
            previous_digit = False
    if not previous_digit or max(lengths[1:], default=0) >= _LONGEST:
        return None
    return Shape(tuple(lengths), tuple(separators), tuple(narrower))


def _places(items: Any) -> list[frozenset[int]] | None:
    """The codes each character of a fixed-width pattern may be, or None for other patterns."""
    places: list[frozenset[int]] = []
    for op, value in items:
        if op is re_constants.MAX_REPEAT and value[0] == value[1]:
            inner = _places(value[2])
            if inner is None:
                return None
            places.extend(inner * value[0])
            continue
        codes = ascii_codes(op, value)
        if codes is None:
            return None
        places.append(codes)
    return places


@dataclass(frozen=True)
class Runs:
    """The corpus's maximal runs of ASCII digits, as every digit-group detector reads them."""

    starts: np.ndarray
    lengths: np.ndarray
    linked: np.ndarray
    """Whether the next run begins two characters after this one ends (one between)."""
    between: np.ndarray
    """The code of the character after each run."""
    before: np.ndarray
    """The code of the character before each run (the joined text begins with a line break,
    so every run has one): the digit-group detectors' lead checks and openers read it."""
    shared: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict, compare=False)
    """Candidates of the groups read so far, by the groups' lengths and separators: detectors
    whose values begin alike (a SIN's and an NHS number's 3-3) share those steps."""

    @cached_property
    def steps(self) -> np.ndarray:
        """Per run, the step to the next group in one code: the character after the run
        times 64 plus the length of the next run (at most 63), or 0 if no run is linked."""
        codes = self.between.astype(np.uint16)
        codes <<= 6
        codes[:-1] |= np.minimum(self.lengths[1:], _LONGEST).astype(np.uint16)
        codes *= self.linked
        return codes

    @classmethod
    def of(cls, corpus: Corpus) -> Runs:
        starts, ends = corpus.digit_runs
        linked = np.zeros(len(starts), dtype=bool)
        np.equal(starts[1:], ends[:-1] + 1, out=linked[:-1])
        return cls(starts, ends - starts, linked, corpus.codes[ends], corpus.codes[starts - 1])


def matches(
    detector: PatternDetector, found: Shape, corpus: Corpus, runs: Runs
) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans into the joined text of the detector's values (group 2 of its search's
    leftmost-first matches in each text)."""
    candidate = _candidates(found, runs)
    codes = corpus.codes
    for offset, allowed in found.narrower:
        candidate = candidate[code_table(allowed)[codes[runs.starts[candidate] + offset]]]
    assert detector.lead is not None
    value_start = runs.starts[candidate]
    fails = in_class(detector.lead, corpus, value_start - 1, runs.before[candidate])
    value_start = value_start[~fails]
    width = sum(found.lengths) + len(found.separators)
    value_end = value_start + width
    # A candidate whose lead lies inside the previous kept match is not met by the search.
    if len(value_start) > 1 and (value_start[1:] - 1 < value_end[:-1]).any():
        kept = leftmost_first(value_start - 1, value_end)
        value_start, value_end = value_start[kept], value_end[kept]
    return corpus.bytes_of(value_start), corpus.bytes_of(value_end)


def _candidates(found: Shape, runs: Runs) -> np.ndarray:
    """The runs where a value of the shape begins: run i, i + 1, ... are its groups (checked
    group by group on the candidates left, the first check keeping few; steps already taken
    for another detector are read from ``runs.shared``)."""
    count = len(found.lengths)
    first = found.lengths[0]
    key: tuple[Any, ...] = ((first, count > 1),)
    candidate = runs.shared.get(key)
    if candidate is None:
        exact = runs.lengths == first if count > 1 else runs.lengths >= first
        candidate = runs.shared[key] = np.flatnonzero(exact)
    for group in range(1, count):
        wanted = found.lengths[group]
        key = (*key, (found.separators[group - 1], wanted, group < count - 1))
        known = runs.shared.get(key)
        if known is not None:
            candidate = known
            continue
        table = _step_table(found.separators[group - 1], wanted, group < count - 1)
        candidate = runs.shared[key] = candidate[table[runs.steps[candidate + (group - 1)]]]
    return candidate


@cache
def _step_table(separators: frozenset[int], wanted: int, exact: bool) -> np.ndarray:
    """Which codes of :attr:`Runs.steps` lead to a group of ``wanted`` digits (at least, if not
    ``exact``) behind one of ``separators``."""
    length = np.arange(64)
    fits = length == wanted if exact else length >= wanted
    table = np.zeros((256, 64), dtype=bool)
    table[sorted(separators)] = fits & (length >= 1)
    result: np.ndarray = table.ravel()
    return result


def leftmost_first(lead: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Which candidates (ordered by start; each one's lead character at ``lead``) a
    leftmost-first search meets: those not beginning inside an earlier one it meets.

    In rounds over the undecided ones: where a candidate's lead lies past every earlier
    undecided candidate's end, nothing can cover it (it is met), and the later candidates
    that it covers are not; each round decides at least one."""
    met = np.zeros(len(lead), dtype=bool)
    alive = np.arange(len(lead))
    while len(alive):
        low, high = lead[alive], end[alive]
        fresh = np.ones(len(alive), dtype=bool)
        fresh[1:] = low[1:] >= np.maximum.accumulate(high)[:-1]
        met[alive[fresh]] = True
        covering = high[fresh][np.cumsum(fresh) - 1]
        alive = alive[~fresh & (low >= covering)]
    return met
