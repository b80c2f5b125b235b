"""What every match of a regex guarantees, read off its syntax tree: how narrow and how wide it
can be, which characters it can begin with, and how many consecutive ASCII digits it holds.

The columnar pattern pass scans a detector whose every match is at most ``width`` characters
wide and holds a run of ``k`` digits only near such runs of the text
(:mod:`vault_core.pii.scan`). The digit bound is conservative: it may be lower than
the truth (then more text is scanned), never higher (then matches would be missed). The tree
comes from Python's own regex parser (``re._parser``, the module behind ``sre_parse``); the
patterns are in the subset Python and Rust read alike.
"""

from __future__ import annotations

import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from dataclasses import dataclass
from functools import cache
from typing import Any

_ZERO, _NINE = ord("0"), ord("9")


@dataclass(frozen=True)
class _Run:
    """What a piece of a regex guarantees about digit runs in every string it matches.

    ``only``: it matches digits only, at least ``least`` of them; ``head``/``tail``: digits it
    surely starts/ends with; ``best``: the longest run it surely holds."""

    only: bool
    least: int = 0
    head: int = 0
    tail: int = 0
    best: int = 0

    @staticmethod
    def digits(count: int) -> _Run:
        return _Run(True, count, count, count, count)

    def then(self, other: _Run) -> _Run:
        """This piece followed by ``other``."""
        if self.only and other.only:
            return _Run.digits(self.least + other.least)
        return _Run(
            False,
            head=self.least + other.head if self.only else self.head,
            tail=other.least + self.tail if other.only else other.tail,
            best=max(self.best, other.best, self.tail + other.head),
        )


_BREAK = _Run(False)
_EMPTY = _Run.digits(0)


@cache
def narrowest(regex: str) -> int:
    """The fewest characters a match of ``regex`` can span."""
    return int(re_parser.parse(regex).getwidth()[0])


@cache
def widest(regex: str) -> int | None:
    """The most characters a match of ``regex`` can span, or None if unbounded."""
    most = int(re_parser.parse(regex).getwidth()[1])
    return None if most >= re_constants.MAXREPEAT else most


@cache
def first_characters(regex: str) -> frozenset[int] | None:
    """The ASCII codes a match of ``regex`` can begin with, or None when that is not read
    off simply (an optional or empty start, a negated or non-ASCII class, ...)."""
    return _first(re_parser.parse(regex))


DIGIT_CODES = frozenset(range(ord("0"), ord("9") + 1))
"""The ASCII codes of the digits 0-9."""


def ascii_codes(op: Any, value: Any) -> frozenset[int] | None:
    """The ASCII codes a parsed literal or class of literals and ranges matches (None for any
    other item, or one that may match a non-ASCII character)."""
    if op is re_constants.LITERAL:
        return frozenset([value]) if value < 128 else None
    if op is not re_constants.IN:
        return None
    codes: set[int] = set()
    for kind, member in value:
        if kind is re_constants.LITERAL and member < 128:
            codes.add(member)
        elif kind is re_constants.RANGE and member[1] < 128:
            codes.update(range(member[0], member[1] + 1))
        else:
            return None
    return frozenset(codes)


def _first(items: Any) -> frozenset[int] | None:
    if not len(items):
        return None
    op, value = items[0]
    if op is re_constants.LITERAL or op is re_constants.IN:
        return ascii_codes(op, value)
    if op is re_constants.SUBPATTERN:
        return _first(value[-1])
    if op is re_constants.BRANCH:
        union: set[int] = set()
        for alternative in value[1]:
            branch = _first(alternative)
            if branch is None:
                return None
            union |= branch
        return frozenset(union)
    if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and value[0] >= 1:
        return _first(value[2])
    return None


@cache
def prefix_tail_characters(regex: str) -> frozenset[int] | None:
    """The ASCII codes the characters after the first of a match of ``regex`` can be, or None
    when that is not read off simply. Each alternative must be one character followed by
    plain ASCII classes, or begin with ``^`` and hold no line break (such an alternative
    never matches in the pattern pass's rows, which begin with a line break: its codes are
    left out)."""
    top = re_parser.parse(regex)
    alternatives = top[0][1][1] if len(top) == 1 and top[0][0] is re_constants.BRANCH else [top]
    codes: set[int] = set()
    for items in alternatives:
        if not len(items):
            return None
        begins_line = items[0] == (re_constants.AT, re_constants.AT_BEGINNING)
        if not begins_line and items[0][0] not in _ONE_CHARACTER:
            return None
        tail = _plain_characters(list(items)[1:])
        if tail is None or (begins_line and ord("\n") in tail):
            return None
        if not begins_line:
            codes |= tail
    return frozenset(codes)


# Items that match exactly one character.
_ONE_CHARACTER = (re_constants.LITERAL, re_constants.NOT_LITERAL, re_constants.IN)


def _plain_characters(items: list[Any]) -> frozenset[int] | None:
    """Every code a sequence of ASCII literals and non-negated ASCII classes (repeated,
    grouped or alternated) can match, or None for anything else."""
    codes: set[int] = set()
    for op, value in items:
        if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            inner = _plain_characters(list(value[2]))
        elif op is re_constants.SUBPATTERN:
            inner = _plain_characters(list(value[-1]))
        elif op is re_constants.BRANCH:
            inner = frozenset()
            for branch in value[1]:
                codes_of_branch = _plain_characters(list(branch))
                if codes_of_branch is None:
                    return None
                inner |= codes_of_branch
        elif op in (re_constants.LITERAL, re_constants.IN):
            inner = _first([(op, value)])
        else:
            return None
        if inner is None:
            return None
        codes |= inner
    return frozenset(codes)


@cache
def plain_ascii(regex: str) -> bool:
    """Whether ``regex`` is made of ASCII literals and classes of ASCII literals and ranges
    only (groups, alternatives, repeats): no anchor, lookaround, back reference or category.
    Python and Rust then read it alike, and whatever it matches in a text it matches alone."""
    return _plain_ascii(re_parser.parse(regex))


def _plain_ascii(items: Any) -> bool:
    for op, value in items:
        if op is re_constants.LITERAL or op is re_constants.IN:
            if ascii_codes(op, value) is None:
                return False
        elif op is re_constants.SUBPATTERN:
            if not _plain_ascii(value[-1]):
                return False
        elif op is re_constants.BRANCH:
            if not all(_plain_ascii(alternative) for alternative in value[1]):
                return False
        elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            if not _plain_ascii(value[2]):
                return False
        else:
            return False
    return True


@cache
def digit_run(regex: str) -> int:
    """The fewest consecutive ASCII digits (``[0-9]``) every match of ``regex`` holds."""
    return _sequence(re_parser.parse(regex)).best


def _sequence(items: Any) -> _Run:
    run = _EMPTY
    for op, value in items:
        run = run.then(_item(op, value))
    return run


def _item(op: Any, value: Any) -> _Run:
    if op is re_constants.LITERAL:
        return _Run.digits(1) if _ZERO <= value <= _NINE else _BREAK
    if op is re_constants.IN:
        return _Run.digits(1) if _digits_only(value) else _BREAK
    if op is re_constants.AT:
        return _EMPTY  # zero width: ^, $, \b
    if op is re_constants.SUBPATTERN:
        return _sequence(value[-1])
    if op is re_constants.BRANCH:
        runs = [_sequence(alternative) for alternative in value[1]]
        if all(run.only for run in runs):
            return _Run.digits(min(run.least for run in runs))
        return _Run(
            False,
            head=min(run.head for run in runs),
            tail=min(run.tail for run in runs),
            best=min(run.best for run in runs),
        )
    if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
        low, _, body = value
        run = _sequence(body)
        if run.only:
            return _Run.digits(low * run.least)
        if low == 0:
            return _BREAK
        repeated = run.tail + run.head if low >= 2 else 0
        return _Run(False, head=run.head, tail=run.tail, best=max(run.best, repeated))
    return _BREAK  # anything else (any character, lookarounds): assume it breaks a run


def _digits_only(items: Any) -> bool:
    """Whether a character class matches ASCII digits only."""
    for op, value in items:
        if op is re_constants.LITERAL and _ZERO <= value <= _NINE:
            continue
        if op is re_constants.RANGE and _ZERO <= value[0] <= value[1] <= _NINE:
            continue
        return False
    return bool(items)


@dataclass(frozen=True)
class DigitForm:
    """One alternative of a regex that matches strings of ASCII digits only: characters from
    ``head``'s classes one by one, then ``low`` to ``high`` digits of any kind."""

    head: tuple[frozenset[int], ...]
    low: int
    high: int


@cache
def digit_forms(regex: str) -> tuple[DigitForm, ...] | None:
    """The alternatives of ``regex`` as :class:`DigitForm`, or None when it is not a plain
    alternation of such forms (then it may match more than digits, or read them otherwise).

    A string of ASCII digits fullmatches ``regex`` exactly when it fits one of them: its
    characters after the head are digits of any kind, so only its width and its head count.
    """
    parsed = list(re_parser.parse(regex))
    alternatives = [parsed]
    if len(parsed) == 1 and parsed[0][0] is re_constants.BRANCH:
        alternatives = [list(items) for items in parsed[0][1][1]]
    forms = []
    for items in alternatives:
        head: list[frozenset[int]] = []
        low = high = 0
        for index, (op, value) in enumerate(items):
            codes = ascii_codes(op, value)
            if codes is not None and codes <= DIGIT_CODES:
                head.append(codes)
                continue
            if (
                op is re_constants.MAX_REPEAT
                and index == len(items) - 1
                and len(value[2]) == 1
                and ascii_codes(*value[2][0]) == DIGIT_CODES
            ):
                low, high = value[0], value[1]
                continue
            return None
        forms.append(DigitForm(tuple(head), low, high))
    return tuple(forms)
