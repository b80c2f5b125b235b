"""A regex over strings of ASCII digits as a deterministic automaton (a table of ten moves per
state), so that whether each of a batch of digit strings matches it whole is a few numpy
lookups per digit place rather than a Python ``fullmatch`` per string.

The automaton is built from the regex's syntax tree (``re._parser``, as in
:mod:`vault_core.pii.regex_bounds`): each digit class of the tree, repeats unrolled, is a
position (Glushkov's construction), and the states are the sets of positions reachable by
the subset construction, explored only as deep as the longest string it will be asked about.
Literals, classes of digits (``\\d`` read as ``[0-9]``: the strings hold ASCII digits only),
groups, alternatives and greedy repeats are read; any other syntax, or more states than a
cap, gives no automaton (the caller keeps ``re``).
"""

from __future__ import annotations

import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vault_core.pii.regex_bounds import DIGIT_CODES, ascii_codes

# More states than this and the table is not worth building (the phone plans need ~2,000).
_MOST_STATES = 50_000


class _Unsupported(Exception):
    """Syntax the construction does not read."""


@dataclass(frozen=True)
class _Piece:
    first: frozenset[int]
    last: frozenset[int]
    nullable: bool


@dataclass
class _Positions:
    """The positions made so far: each one's digits (0-9) and the positions that may follow."""

    digits: list[frozenset[int]] = field(default_factory=list)
    follow: list[set[int]] = field(default_factory=list)

    def new(self, digits: frozenset[int]) -> _Piece:
        self.digits.append(digits)
        self.follow.append(set())
        at = len(self.digits) - 1
        return _Piece(frozenset([at]), frozenset([at]), False)

    def then(self, left: _Piece, right: _Piece) -> _Piece:
        for position in left.last:
            self.follow[position] |= right.first
        return _Piece(
            left.first | right.first if left.nullable else left.first,
            right.last | left.last if right.nullable else right.last,
            left.nullable and right.nullable,
        )

    def looped(self, piece: _Piece) -> _Piece:
        for position in piece.last:
            self.follow[position] |= piece.first
        return _Piece(piece.first, piece.last, True)


_EMPTY = _Piece(frozenset(), frozenset(), True)


def _sequence(items: Any, positions: _Positions) -> _Piece:
    piece = _EMPTY
    for op, value in items:
        piece = positions.then(piece, _item(op, value, positions))
    return piece


def _item(op: Any, value: Any, positions: _Positions) -> _Piece:
    if op is re_constants.LITERAL or op is re_constants.IN:
        if op is re_constants.IN and any(kind is re_constants.CATEGORY for kind, _ in value):
            if list(value) != [(re_constants.CATEGORY, re_constants.CATEGORY_DIGIT)]:
                raise _Unsupported(value)
            codes: frozenset[int] | None = DIGIT_CODES
        else:
            codes = ascii_codes(op, value)
        if codes is None:
            raise _Unsupported(value)
        return positions.new(frozenset(code - ord("0") for code in codes & DIGIT_CODES))
    if op is re_constants.SUBPATTERN:
        return _sequence(value[-1], positions)
    if op is re_constants.BRANCH:
        pieces = [_sequence(alternative, positions) for alternative in value[1]]
        return _Piece(
            frozenset().union(*(piece.first for piece in pieces)),
            frozenset().union(*(piece.last for piece in pieces)),
            any(piece.nullable for piece in pieces),
        )
    if op is re_constants.MAX_REPEAT:
        least, most, inner = value
        piece = _EMPTY
        for _ in range(least):
            piece = positions.then(piece, _sequence(inner, positions))
        if most is re_constants.MAXREPEAT:
            return positions.then(piece, positions.looped(_sequence(inner, positions)))
        # Optional copies nested: x{2,4} is xx(?:x(?:x)?)?.
        optional = _EMPTY
        for _ in range(most - least):
            copy = _sequence(inner, positions)
            optional = _Piece(copy.first, positions.then(copy, optional).last, True)
        return positions.then(piece, optional)
    raise _Unsupported(op)


@dataclass(frozen=True, eq=False)
class DigitAutomaton:
    """Moves (state x symbol -> state, flat: ``moves[11 * state + symbol]``; symbols 0-9 the
    digits, 10 the end of a string, which leaves a state as it is; state 0 matches nothing
    more) and accepting states."""

    moves: np.ndarray
    accepting: np.ndarray
    longest: int

    @classmethod
    def of(cls, regex: str, longest: int) -> DigitAutomaton | None:
        """The automaton of ``regex`` for digit strings of at most ``longest`` digits, or None
        if the regex is not read (see the module docstring) or needs too many states."""
        positions = _Positions()
        try:
            whole = _sequence(re_parser.parse(regex), positions)
        except _Unsupported:
            return None
        ends = whole.last
        # State 0: dead; state 1: the start (before any digit).
        states: dict[frozenset[int], int] = {frozenset(): 0}
        sets: list[frozenset[int]] = [frozenset(), frozenset([-1])]
        states[sets[1]] = 1
        rows: list[list[int]] = [[0] * 10, [0] * 10]
        accepting = [False, whole.nullable]
        layer = [1]
        for _ in range(longest):
            fresh: list[int] = []
            for state in layer:
                current = sets[state]
                after = (
                    whole.first
                    if state == 1
                    else frozenset().union(*(positions.follow[p] for p in current))
                )
                for digit in range(10):
                    target = frozenset(p for p in after if digit in positions.digits[p])
                    number = states.get(target)
                    if number is None:
                        if len(sets) >= _MOST_STATES:
                            return None
                        number = states[target] = len(sets)
                        sets.append(target)
                        rows.append([0] * 10)
                        accepting.append(bool(target & ends))
                        fresh.append(number)
                    rows[state][digit] = number
            layer = fresh
        for state, row in enumerate(rows):
            row.append(state)
        return cls(np.array(rows, dtype=np.int32).ravel(), np.array(accepting), longest)

    def fullmatch(self, digits: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Whether each string matches whole: string i is ``digits[offsets[i]:offsets[i+1]]``
        (digit codes "0"-"9"), at most ``longest`` digits each."""
        count = np.diff(offsets)
        width = int(count.max(initial=0))
        if width > self.longest:
            raise ValueError(f"a string of more than {self.longest} digits")
        # Per string, its digits then symbol 10, in a matrix read one column at a time.
        places = np.arange(width)
        picks = np.minimum(offsets[:-1, None] + places, max(len(digits) - 1, 0))
        symbols = (digits[picks] if len(digits) else np.zeros(picks.shape, np.uint8)) - 48
        symbols[places >= count[:, None]] = 10
        state = np.ones(len(count), dtype=np.int32)
        for column in symbols.T.astype(np.int32):
            state = self.moves[state * 11 + column]
        result: np.ndarray = self.accepting[state]
        return result
