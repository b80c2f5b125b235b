"""Detectors whose value is a run of digits, then up to so many groups of digits each behind a
separator character (a national phone number's "0490 75 40 81", "612-34-56-78"), in one or
several alternatives: their matches are read off the corpus's runs of digits in numpy, without
a regex scan.

Such an alternative's value begins where a run of digits begins (the detector's lead holds
every digit), and its head is that whole run: a separator, never a digit, must follow it. Each
later group is read greedily, as the regex engine does: a separator, then as many digits as the
group takes; a run longer than that ends the value inside it (the trail check drops it later),
and a run too short for a group ends the value before its separator. No backtracking finds
another match: fewer digits leave a digit where a separator must be. The alternatives read off
runs must begin with different digits, so at most one can match where a run begins.

Alternatives that begin with one non-digit character before a digit are read off the runs too
when they are a short run between two characters, then a branch from the next run (the area
code of "(37) 788-063", :class:`Bracketed`); others are matched by Python's ``re`` at each
place that character precedes a run.
A search's leftmost-first matches are then the candidates that do not begin inside a kept match
(its lead character included), every candidate having exactly one match.
"""

from __future__ import annotations

import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from vault_core.pii.detectors import PatternDetector
from vault_core.pii.joined_text import Corpus
from vault_core.pii.regex_bounds import DIGIT_CODES, ascii_codes
from vault_core.pii.scan.digit_groups import Runs, leftmost_first
from vault_core.pii.scan.judge import class_table, code_table, in_class, python_search

ENABLED = True
"""Whether detectors of this shape are matched from the digit runs; when False (tests), the
columnar pass scans them like the others, with the same findings."""


@dataclass(frozen=True)
class Branch:
    """An alternative read off the digit runs: a head run, then repeated separated groups."""

    first: frozenset[int]
    """The codes the head's first digit may be."""
    head: tuple[int, int]
    """The fewest and most digits of the head run."""
    separators: frozenset[int]
    group: tuple[int, int]
    """The fewest and most digits each later group takes."""
    repeats: tuple[int, int]
    """The fewest and most later groups."""


@dataclass(frozen=True)
class Bracketed:
    """An alternative read off the runs that begins with a short run between two characters
    ("(37) 788-063"): the opener, the run inside, the closer, perhaps a space, then a branch
    whose head is the next run."""

    opener: int
    inside: tuple[int, int]
    """The fewest and most digits inside (one more where the first is one of ``spare``)."""
    spare: frozenset[int]
    """The codes of an optional digit before the inside's digits (``0?`` of ``0?[0-9]{1,4}``)."""
    closer: int
    space: bool
    """Whether one space may follow the closer."""
    tail: Branch


@dataclass(frozen=True)
class Shape:
    """A detector's alternatives read off the runs (branches, and bracketed ones), and the
    characters that begin the others (each followed by a digit in every match), which Python's
    ``re`` matches."""

    branches: tuple[Branch, ...]
    openers: frozenset[int]
    bracketed: tuple[Bracketed, ...] = ()


@cache
def shape(detector: PatternDetector) -> Shape | None:
    """The detector's shape, or None if its matches are not read off digit runs: alternatives
    of the form ``D[0-9]{a,b}(?:S[0-9]{c,d}){m,n}`` (``D`` digits, ``S`` separators that are
    no digit or line break) beginning with different digits, or with one ASCII character that
    a digit follows; behind a lead class holding every digit, no prefix, suffix or lead checked
    after the scan."""
    if detector.prefix is not None or detector.suffix is not None or detector.lead is None:
        return None
    if detector.lead_after or not class_table(detector.lead)[sorted(DIGIT_CODES)].all():
        return None
    items = re_parser.parse(detector.pattern)
    if len(items) == 1 and items[0][0] is re_constants.BRANCH:
        alternatives = list(items[0][1][1])
    else:
        alternatives = [items]
    branches: list[Branch] = []
    openers: list[int] = []
    bracketed: list[Bracketed] = []
    for alternative in alternatives:
        branch = _branch(list(alternative))
        if branch is not None:
            if any(branch.first & other.first for other in branches):
                return None
            branches.append(branch)
            continue
        opener = _opener(list(alternative))
        if opener is None:
            return None
        openers.append(opener)
        form = _bracketed(list(alternative))
        if form is not None:
            bracketed.append(form)
    if not branches:
        return None
    # An opener that begins one alternative alone, a bracketed one, is read off the runs; the
    # others are matched with Python's ``re``, every alternative at once.
    read = tuple(b for b in bracketed if openers.count(b.opener) == 1)
    matched = frozenset(openers) - {b.opener for b in read}
    return Shape(tuple(branches), matched, read)


def _digit_repeat(item: Any) -> tuple[int, int] | None:
    """``(least, most)`` of a repeated class of every digit, else None."""
    op, value = item
    if op is not re_constants.MAX_REPEAT or len(value[2]) != 1:
        return None
    if ascii_codes(*value[2][0]) != DIGIT_CODES:
        return None
    return int(value[0]), int(value[1])


def _branch(items: list[Any]) -> Branch | None:
    if not items or len(items) > 3:
        return None
    first = ascii_codes(*items[0])
    if first is not None and len(items) == 3:
        more = _digit_repeat(items[1])
        if more is None:
            return None
        head = (1 + more[0], 1 + more[1])
    elif first is not None and len(items) == 2:
        head = (1, 1)
    else:  # the head a repeated class of every digit: [0-9]{a,b}
        repeat = _digit_repeat(items[0])
        if repeat is None or repeat[0] < 1 or len(items) != 2:
            return None
        first, head = DIGIT_CODES, repeat
    if not first <= DIGIT_CODES or items[-1][0] is not re_constants.MAX_REPEAT:
        return None
    least, most, inner = items[-1][1]
    if len(inner) != 2:
        return None
    separators = ascii_codes(*inner[0])
    group = _digit_repeat(inner[1])
    if separators is None or separators & DIGIT_CODES or 10 in separators:
        return None
    if group is None or group[0] < 1:
        return None
    return Branch(first, head, separators, group, (int(least), int(most)))


def _bracketed(items: list[Any]) -> Bracketed | None:
    """The alternative as :class:`Bracketed`, if it is ``O(?:D)?[0-9]{a,b}C(?: )?`` (``O``,
    ``C`` ASCII characters that are no digit or line break, ``D`` digits) then a branch."""
    if len(items) < 4:
        return None
    opener, rest = _plain(items[0]), items[1:]
    spare: frozenset[int] = frozenset()
    op, value = rest[0]
    if op is re_constants.MAX_REPEAT and value[:2] == (0, 1) and len(value[2]) == 1:
        codes = ascii_codes(*value[2][0])
        if codes is None or not codes <= DIGIT_CODES:
            return None
        spare, rest = codes, rest[1:]
    inside = _digit_repeat(rest[0]) if len(rest) > 2 else None
    if opener is None or inside is None or inside[0] < 1:
        return None
    closer, rest = _plain(rest[1]), rest[2:]
    space = False
    if rest and rest[0][0] is re_constants.MAX_REPEAT and rest[0][1][:2] == (0, 1):
        if list(rest[0][1][2]) != [(re_constants.LITERAL, 32)]:
            return None
        space, rest = True, rest[1:]
    tail = _branch(list(rest))
    if closer is None or tail is None or tail.first != DIGIT_CODES:
        return None
    return Bracketed(opener, inside, spare, closer, space, tail)


def _plain(item: Any) -> int | None:
    """The code of a literal ASCII character that is no digit or line break, else None."""
    op, value = item
    if op is not re_constants.LITERAL or value >= 128 or value in DIGIT_CODES or value == 10:
        return None
    return int(value)


def _opener(items: list[Any]) -> int | None:
    """The ASCII non-digit character an alternative begins with if a digit follows it in
    every match, else None."""
    code = _plain(items[0]) if len(items) >= 2 else None
    if code is None:
        return None
    for op, value in items[1:]:
        if op is re_constants.MAX_REPEAT and len(value[2]) == 1:
            codes = ascii_codes(*value[2][0])
            if codes is None or not codes <= DIGIT_CODES:
                return None
            if value[0] >= 1:
                return code
            continue  # optional digits: the next item begins the value if they are absent
        codes = ascii_codes(op, value)
        return code if codes is not None and codes <= DIGIT_CODES else None
    return None


def matches(
    detector: PatternDetector, found: Shape, corpus: Corpus, runs: Runs
) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans into the joined text of the detector's values (group 2 of its search's
    leftmost-first matches in each text)."""
    assert detector.lead is not None
    starts, lengths = runs.starts, runs.lengths
    begins: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for branch in found.branches:
        # Contiguous passes over every run, then the tests on the few runs left.
        low, high = branch.head
        grows = _grows(branch, runs)
        if branch.repeats[0]:
            # The head is the whole run, and a group follows it (most runs have none).
            run = np.flatnonzero((lengths >= low) & (lengths <= high) & grows)
        else:
            run = np.flatnonzero(lengths >= low)
        if branch.first != DIGIT_CODES:
            run = run[code_table(branch.first)[corpus.codes[starts[run]]]]
        run = run[~in_class(detector.lead, corpus, starts[run] - 1, runs.before[run])]
        head, end = _read_groups(branch, runs, grows, run)
        begins.append(starts[head])
        ends.append(end)
    for form in found.bracketed:
        start, end = _read_bracketed(detector, form, corpus, runs)
        begins.append(start)
        ends.append(end)
    if found.openers:
        start, end = _opened(detector, found.openers, corpus, runs)
        begins.append(start)
        ends.append(end)
    start = np.concatenate(begins)
    end = np.concatenate(ends)
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    kept = leftmost_first(start - 1, end)
    return corpus.bytes_of(start[kept]), corpus.bytes_of(end[kept])


def _grows(branch: Branch, runs: Runs) -> np.ndarray:
    """Per run: whether a separator of the branch and a group's fewest digits follow it."""
    grows: np.ndarray = runs.linked & code_table(branch.separators)[runs.between]
    grows[:-1] &= runs.lengths[1:] >= branch.group[0]
    return grows


def _read_groups(
    branch: Branch, runs: Runs, grows: np.ndarray, run: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The branch's values whose head is one of ``run``: those runs (the values with groups
    enough) and the character each value ends before."""
    starts, lengths = runs.starts, runs.lengths
    # A head shorter than its run ends the value inside it (no group can follow).
    end = starts[run] + np.minimum(lengths[run], branch.head[1])
    count = np.zeros(len(run), dtype=np.int64)
    at = run.copy()
    going = np.flatnonzero(lengths[run] <= branch.head[1])
    most = branch.group[1]
    for _ in range(min(branch.repeats[1], len(starts))):
        going = going[grows[at[going]]]
        if not len(going):
            break
        following = at[going] + 1
        size = lengths[following]
        end[going] = starts[following] + np.minimum(size, most)
        count[going] += 1
        at[going] = following
        going = going[size <= most]  # a longer run ends the value inside it
    met = count >= branch.repeats[0]
    return run[met], end[met]


def _read_bracketed(
    detector: PatternDetector, form: Bracketed, corpus: Corpus, runs: Runs
) -> tuple[np.ndarray, np.ndarray]:
    """Character spans of the values of a bracketed alternative: a run behind the opener with
    the closer after it, the next run after the closer (and the space), behind a lead that
    passes; the tail read from that run as a branch's."""
    assert detector.lead is not None
    starts, lengths = runs.starts, runs.lengths
    run = np.flatnonzero((runs.before[:-1] == form.opener) & (runs.between[:-1] == form.closer))
    size = lengths[run]
    low, high = form.inside
    fits = (size >= low) & (size <= high)
    if form.spare:
        fits |= (
            (size > low) & (size <= high + 1) & code_table(form.spare)[corpus.codes[starts[run]]]
        )
    run = run[fits]
    closer = starts[run] + lengths[run]  # where the closer is
    gap = starts[run + 1] - closer
    follows = gap == 1
    if form.space:
        after = corpus.codes[np.minimum(closer + 1, len(corpus.codes) - 1)]
        follows |= (gap == 2) & (after == 32)
    run = run[follows & (lengths[run + 1] >= form.tail.head[0])]
    run = run[~in_class(detector.lead, corpus, starts[run] - 2)]  # before the opener
    head, end = _read_groups(form.tail, runs, _grows(form.tail, runs), run + 1)
    return starts[head - 1] - 1, end  # each value from its opener


def _opened(
    detector: PatternDetector, openers: frozenset[int], corpus: Corpus, runs: Runs
) -> tuple[np.ndarray, np.ndarray]:
    """Character spans of the values of the alternatives that begin with an opener: matched
    by Python's ``re`` where an opener precedes a run of digits, behind a lead that passes."""
    assert detector.lead is not None
    place = runs.starts[code_table(openers)[runs.before]] - 1
    place = place[~in_class(detector.lead, corpus, place - 1)]
    if not len(place):  # (the joined text is decoded only when a place needs it)
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    text = np.searchsorted(corpus.starts, place, side="right") - 1
    search = python_search(f"(?:{detector.pattern})")
    joined = corpus.joined
    spans: list[int] = []
    for begin, stop in zip(place.tolist(), corpus.ends[text].tolist(), strict=True):
        match = search.match(joined, begin, stop)
        if match is not None and match.end() > begin:
            spans.extend((begin, match.end()))
    found = np.array(spans, dtype=np.int64).reshape(-1, 2)
    return found[:, 0], found[:, 1]
