"""Checks of candidate values, a whole batch per call: checksums, parses, ranges.

Each validator takes the candidate values one detector found (:class:`Values`: byte spans into
the scanned text) and returns the accepted length of each, in characters (``0``: rejected).
Validators only shorten a value (a URL's trailing full stop, an IBAN's trailing word).

They run as numpy arithmetic over byte matrices of the whole batch (a polars expression where
strings are easier): the pattern pass never loops over matches in Python, because a Python
call per match cost more than the Rust regex scan itself, and even one polars call per check
added up to more than the checks. The numeric detectors' patterns are ASCII, so their byte
lengths are character lengths.

Checksums: Luhn (cards), IBAN mod-97, ABA routing weights, SSN area/group/serial rules, ITIN
group ranges, IPv4 octets, the IPv6 grammar, calendar ranges of dates, plausible ages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_ZERO, _NINE, _SPACE, _DASH, _COLON = 48, 57, 32, 45, 58


class Values:
    """A batch of candidate values: the bytes ``utf8[start[i]:end[i]]`` of one text buffer."""

    def __init__(
        self,
        utf8: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        runs: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        """``runs``, if given, returns the byte starts and ends of the maximal runs of ASCII
        digits of ``utf8`` (in order; the scanned corpus has them at hand)."""
        self.utf8 = utf8
        self.start = start
        self.end = end
        self._runs = runs
        self._right: dict[int, np.ndarray] = {}

    @classmethod
    def of(cls, values: Sequence[str]) -> Values:
        """A batch of the given strings (tests, one-off checks)."""
        encoded = [value.encode("utf-8") for value in values]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        end = np.cumsum(lengths)
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), end - lengths, end)

    def __len__(self) -> int:
        return len(self.start)

    @cached_property
    def lengths(self) -> np.ndarray:
        """Length of each value in bytes."""
        result: np.ndarray = self.end - self.start
        return result

    @cached_property
    def digit_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Byte starts and ends, in order, of maximal runs of ASCII digits of the buffer: at
        least those overlapping a value (a value's digit groups are these runs cut at its
        bounds)."""
        if self._runs is not None:
            return self._runs()
        if not len(self) or not len(self.utf8):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        low, high = int(self.start.min()), int(self.end.max())
        is_digit = np.zeros(high - low + 2, dtype=bool)
        np.less(self.utf8[low:high] - np.uint8(_ZERO), 10, out=is_digit[1:-1])  # uint8 wraps
        edges = np.flatnonzero(is_digit[1:] != is_digit[:-1]) + low
        return edges[0::2], edges[1::2]

    def digit_groups(self, most: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The groups of digits of each value (the buffer's digit runs cut at its bounds): the
        byte starts and ends of its first ``most`` (default: as many as the most any value
        has) as ``(n, most)`` matrices, an empty group (start == end) past its last; and how
        many it has."""
        run_start, run_end = self.digit_runs
        first = np.searchsorted(run_end, self.start, side="right")
        count: np.ndarray = np.searchsorted(run_start, self.end, side="left") - first
        width = int(count.max(initial=0)) if most is None else most
        if not len(run_start):
            none = np.repeat(self.start[:, None], width, axis=1)
            return none, none.copy(), count
        at = first[:, None] + np.arange(width)
        begins = np.maximum(np.take(run_start, at, mode="clip"), self.start[:, None])
        ends = np.minimum(np.take(run_end, at, mode="clip"), self.end[:, None])
        ends = np.where(np.arange(width) >= count[:, None], begins, ends)
        return begins, ends, count

    def strings(self) -> list[str]:
        """The values as Python strings (for a few hundred: no polars call)."""
        data = self.utf8.data
        bounds = zip(self.start.tolist(), self.end.tolist(), strict=True)
        return [str(data[first:last], "utf-8") for first, last in bounds]

    def right(self, width: int) -> np.ndarray:
        """The last ``width`` bytes of each value, right-aligned in an ``(n, width)`` matrix
        (NUL before a shorter value). Read-only: it is kept for the next call of the same
        width (a checksum and the trimming of its failures both read it)."""
        kept = self._right.get(width)
        if kept is not None:
            return kept
        if not len(self.utf8):  # empty values only
            rows = np.zeros((len(self), width), dtype=np.uint8)
        elif len(self.end) and (self.end - width).min() >= 0:
            # Rows of a sliding view: one copy of n x width bytes, no index matrix; the bytes
            # before each value zeroed by one multiplication (cheaper than a masked assignment).
            rows = sliding_window_view(self.utf8, width)[self.end - width]
            rows *= np.arange(width) >= (width - self.lengths)[:, None]
        else:
            picks = (self.end - width)[:, None] + np.arange(width)
            inside = picks >= self.start[:, None]
            rows = np.where(inside, self.utf8[np.clip(picks, 0, None)], 0).astype(np.uint8)
        rows.flags.writeable = False
        self._right[width] = rows
        return rows

    def left(self, width: int) -> np.ndarray:
        """The first ``width`` bytes of each value, left-aligned (NUL after a shorter value)."""
        if not len(self.utf8):  # empty values only
            return np.zeros((len(self), width), dtype=np.uint8)
        if len(self.start) and self.start.max() + width <= len(self.utf8):
            rows: np.ndarray = sliding_window_view(self.utf8, width)[self.start]
            rows *= np.arange(width) < self.lengths[:, None]
            return rows
        picks = self.start[:, None] + np.arange(width)
        inside = picks < self.end[:, None]
        codes = self.utf8[np.clip(picks, 0, len(self.utf8) - 1)]
        result: np.ndarray = np.where(inside, codes, 0).astype(np.uint8)
        return result

    def digits(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """The last ``width`` ASCII digits of each value, separators dropped, right-aligned in an
        ``(n, width)`` matrix of 0-9 (0 before them), and how many digits each value has."""
        chars = self.right(max(width, int(self.lengths.max(initial=0))))
        is_digit = (chars - np.uint8(_ZERO)) < 10  # uint8 wraps below "0"
        count = is_digit.sum(axis=1)
        if not count.any():
            return np.zeros((len(self), width), dtype=np.int64), count
        # Every value's digits one after another, row by row; each row's last ``width``.
        flat = chars[is_digit] - np.uint8(_ZERO)
        end = np.cumsum(count)
        picks = end[:, None] - width + np.arange(width)
        inside = picks >= (end - count)[:, None]
        matrix: np.ndarray = np.where(inside, np.take(flat, picks, mode="clip"), 0)
        return matrix.astype(np.int64), count


Validator = Callable[[Values], np.ndarray]
"""Values -> accepted length in characters of each (``0`` rejects it)."""


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits (one value; :func:`card` checks batches)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _accept(values: Values, ok: np.ndarray) -> np.ndarray:
    """Whole length where ``ok`` (ASCII values: bytes are characters), else 0."""
    result: np.ndarray = np.where(ok, values.lengths, 0)
    return result


# Luhn's value of a digit d kept (index d) and doubled (index d + 10: 2d, digits summed).
_LUHN = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def _not_one_repeated_digit(matrix: np.ndarray, count: np.ndarray) -> np.ndarray:
    width = matrix.shape[1]
    mask = np.arange(width)[None, :] >= (width - count)[:, None]
    high = np.where(mask, matrix, -1).max(axis=1)
    low = np.where(mask, matrix, 10).min(axis=1)
    result: np.ndarray = high != low
    return result


def _number(matrix: np.ndarray) -> np.ndarray:
    """Each row of a digit matrix read as a decimal number."""
    result: np.ndarray = matrix @ (10 ** np.arange(matrix.shape[1] - 1, -1, -1))
    return result


_CARD_CHARS = 36  # 19 digits; the pattern admits a separator between any two


def _card_ok(values: Values) -> np.ndarray:
    # On the right-aligned bytes, without gathering the digits: a digit's rank from the right
    # says whether Luhn doubles it. Row sums, a left-to-right cumsum and uint8 arithmetic,
    # one table lookup for a digit doubled or not: faster than reductions over
    # reversed views. As wide as the longest value (a card is seldom written with 36).
    width = min(int(values.lengths.max(initial=1)), _CARD_CHARS)
    chars = values.right(width)
    # A card value holds digits, spaces and dashes; right() pads shorter ones with NULs.
    is_digit = chars >= _ZERO
    space, dash = chars == _SPACE, chars == _DASH
    spaces = np.count_nonzero(space, axis=1)
    dashes = np.count_nonzero(dash, axis=1)
    first_group = np.argmax(space | dash, axis=1) - (width - values.lengths)
    separators = spaces + dashes
    one_kind = (spaces == 0) | (dashes == 0)
    grouped_ok = (separators == 0) | (one_kind & (first_group == 4) & (separators <= 4))
    digit = (chars - np.uint8(_ZERO)) * is_digit
    count = is_digit.sum(axis=1, dtype=np.uint8)
    # Rank from the right of the digit at each column: count - digits before it; odd ranks
    # (counted from 0) are doubled: _LUHN[digit + 10] is the doubled digit's digit sum.
    before = np.cumsum(is_digit, axis=1, dtype=np.uint8)
    looked_up = (count[:, None] - before) & np.uint8(1)
    looked_up *= np.uint8(10)
    looked_up += digit
    luhn = np.take(_LUHN, looked_up).sum(axis=1, dtype=np.uint16) % 10 == 0
    # Not one repeated digit: some digit differs from the last (a card ends with a digit).
    varied = (is_digit & (digit != digit[:, -1:])).any(axis=1)
    result: np.ndarray = grouped_ok & (count >= 12) & luhn & varied
    return result


def card(values: Values) -> np.ndarray:
    """Luhn-valid card numbers of 12-19 digits, written whole or in groups of four (Amex 4-6-5)
    with one kind of separator; a run of numbers passes Luhn one time in ten. A grouped value
    that fails is retried without its last group: "4111 1111 1111 1111 123" is a card and its
    CVV."""
    # Only at spaces: a dash after the card would fail its trail ("4111-...-1111-123").
    return _trim_groups(values, _card_ok, _CARD_CHARS, separators=b" ", shortest=12)


def _trim_groups(
    values: Values,
    check: Callable[[Values], np.ndarray],
    width: int,
    separators: bytes,
    shortest: int,
) -> np.ndarray:
    """Accepted length of each value: the whole value if ``check`` passes, else the longest
    prefix ending before a separator that passes (0 if none does). Prefixes shorter than
    ``shortest`` bytes, which ``check`` would reject, are not tried."""
    accepted = np.zeros(len(values), dtype=np.int64)
    pending = np.arange(len(values))
    batch = values
    while len(pending):
        ok = check(batch)
        accepted[pending[ok]] = batch.lengths[ok]
        chars = batch.right(min(width, int(batch.lengths.max())))
        # One comparison per separator (np.isin cost far more here).
        cuttable = np.logical_or.reduce([chars == code for code in separators])
        # Cut at the last separator of each value that failed.
        last = chars.shape[1] - 1 - np.argmax(cuttable[:, ::-1], axis=1)
        cut = batch.end - (chars.shape[1] - last)
        retry = ~ok & cuttable.any(axis=1) & (cut - batch.start >= shortest)
        pending = pending[retry]
        batch = Values(batch.utf8, batch.start[retry], cut[retry])
    return accepted


def _none_of(numbers: np.ndarray, excluded: tuple[int, ...]) -> np.ndarray:
    """Whether each number is none of a few (a comparison each: faster than np.isin)."""
    result: np.ndarray = np.logical_and.reduce([numbers != number for number in excluded])
    return result


def ssn(values: Values) -> np.ndarray:
    """US SSNs: area not 000, 666 or 9xx; group not 00; serial not 0000; not one repeated digit
    or a famous example number."""
    digits, count = values.digits(9)
    area, group, serial = _number(digits[:, :3]), _number(digits[:, 3:5]), _number(digits[:, 5:])
    ok = (
        (area != 0)
        & (area != 666)
        & (area < 900)
        & (group != 0)
        & (serial != 0)
        & _none_of(_number(digits), (123456789, 78051120, 219099999))
    )
    return _accept(values, ok & _not_one_repeated_digit(digits, count))


_ITIN_GROUPS = [*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)]
_ITIN_GROUP_TABLE = np.isin(np.arange(100), _ITIN_GROUPS)  # by two-digit group


def ssn_grouped(values: Values) -> np.ndarray:
    """US SSNs written as three groups (3-2-4): :func:`ssn`'s rules, and the same separator
    between the groups ("123-45-6789", "123 45 6789"; not "123-45 6789")."""
    chars = values.left(_SSN_GROUPED)
    same: np.ndarray = chars[:, 3] == chars[:, 6]
    result: np.ndarray = np.where(same, ssn(values), 0)
    return result


_SSN_GROUPED = 11  # "123-45-6789"


def ipv4(values: Values) -> np.ndarray:
    """IPv4 addresses of four dotted groups of one to three digits (as the pattern has them)
    whose every group is an octet as ``ipaddress`` reads one: 0-255 without a leading zero."""
    if not len(values.utf8):  # empty values only
        return np.zeros(len(values), dtype=np.int64)
    begins, ends, count = values.digit_groups(4)
    sizes = ends - begins
    top = len(values.utf8) - 1
    first, second, third = (
        values.utf8[np.minimum(begins + place, top)].astype(np.int64) - _ZERO for place in range(3)
    )
    number = np.where(
        sizes == 1,
        first,
        np.where(sizes == 2, first * 10 + second, first * 100 + second * 10 + third),
    )
    octets = (sizes >= 1) & (sizes <= 3) & ((sizes == 1) | (first != 0)) & (number <= 255)
    return _accept(values, (count == 4) & octets.all(axis=1))


def itin(values: Values) -> np.ndarray:
    """US ITINs: 9xx with a group in the IRS's assigned ranges."""
    digits, _ = values.digits(9)
    return _accept(values, _ITIN_GROUP_TABLE[_number(digits[:, 3:5])])


def aba(values: Values) -> np.ndarray:
    """ABA routing numbers: weights 3, 7, 1 over the nine digits sum to a multiple of ten."""
    digits, count = values.digits(9)
    ok = (digits @ np.array([3, 7, 1] * 3)) % 10 == 0
    return _accept(values, ok & _not_one_repeated_digit(digits, count))


_IBAN_CHARS = 34


# 10**e modulo 97, for the decimal exponents an IBAN's digits can have (letters count two).
_POW10_MOD97 = np.array([pow(10, e, 97) for e in range(2 * _IBAN_CHARS + 1)], dtype=np.int32)


def _mod97_is_one(values: Values) -> np.ndarray:
    """Whether each value, spaces dropped, is 15-34 characters of [A-Z0-9] whose rearranged
    number (first four characters moved last, letters as 10..35) is 1 modulo 97. The first
    four characters (country code, check digits) hold no space, as the pattern has it.

    The number is never built: each character contributes its value times ``10**e`` (mod 97),
    ``e`` the count of decimal digits after it in the rearranged number."""
    # Room for the spaces between groups, as wide as the longest value.
    columns = min(int(values.lengths.max(initial=1)), _IBAN_CHARS + 9)
    chars = values.right(columns)
    kept = (chars != _SPACE) & (chars != 0)
    letters = chars >= 65
    # uint8 and int16 (exponents <= 68, products < 35 * 97): small matrices, fewer passes.
    numbers = (chars - np.uint8(_ZERO) - np.uint8(7) * letters) * kept
    width = (letters.astype(np.int16) + 1) * kept
    first = (columns - values.lengths)[:, None]
    column = np.arange(columns)
    head = (column >= first) & (column < first + 4)
    total = width.sum(axis=1, dtype=np.int16)[:, None]
    head_total = (width * head).sum(axis=1, dtype=np.int16)[:, None]
    # Digits after a column as written: the row's total minus the running sum up to and
    # including it. Moving the head last adds the head's digits after a tail character and
    # takes the tail's from after a head one.
    after = total - np.cumsum(width, axis=1, dtype=np.int16)
    exponent = after + np.where(head, head_total - total, head_total)
    length = np.count_nonzero(kept, axis=1)
    fits = length <= _IBAN_CHARS
    # A character not kept adds 0 whatever its power; "clip" keeps every index in the table.
    powers = np.take(_POW10_MOD97, exponent, mode="clip")
    remainder = (numbers * powers).sum(axis=1) % 97
    result: np.ndarray = (remainder == 1) & (length >= 15) & fits
    return result


def iban(values: Values) -> np.ndarray:
    """IBANs passing mod-97. The pattern's optional trailing groups may have swallowed a
    following word: groups are dropped from the end until the checksum holds."""
    return _trim_groups(values, _mod97_is_one, _IBAN_CHARS + 9, separators=b" ", shortest=15)


def ipv6(values: Values) -> np.ndarray:
    """IPv6 addresses as ``ipaddress`` parses them (the pattern admits only hex groups of up to
    four digits and colons): ``::`` at most once, eight groups without it and at most seven
    with it, and a single colon never at either end."""
    chars = values.left(int(values.lengths.max(initial=2)))  # the pattern: 2-39 characters
    rows = np.arange(len(values))
    colon = chars == _COLON
    pair = colon[:, :-1] & colon[:, 1:]
    triple = (pair[:, :-1] & colon[:, 2:]).any(axis=1)
    # Without ":::" every "::" stands alone: counting pairs counts them.
    double = np.count_nonzero(pair, axis=1)
    digit = (chars != 0) & ~colon
    groups = np.count_nonzero(digit[:, 1:] & ~digit[:, :-1], axis=1) + digit[:, 0]
    last = np.maximum(values.lengths - 1, 0)
    lone_edge = (colon[:, 0] & ~colon[:, 1]) | (colon[rows, last] & ~colon[rows, last - 1])
    ok = ~triple & ~lone_edge & (((double == 0) & (groups == 8)) | ((double == 1) & (groups <= 7)))
    return _accept(values, ok)


def phone_digits(values: Values) -> np.ndarray:
    """International numbers with 8-15 digits (E.164 allows 15)."""
    chars = values.right(int(values.lengths.max(initial=1)))
    count = np.count_nonzero((chars - np.uint8(_ZERO)) < 10, axis=1)  # uint8 wraps below "0"
    return _accept(values, (count >= 8) & (count <= 15))


_URL_TRAILING = ".,;:!?'\""


def url(values: Values) -> np.ndarray:
    """URLs without the sentence punctuation that followed them (lengths in characters: URLs
    may hold non-ASCII)."""
    # One C-level strip per URL (a few hundred): a polars call here waited for the scans
    # queued on polars' threads.
    stripped = (text.rstrip(_URL_TRAILING) for text in values.strings())
    return np.fromiter(map(len, stripped), dtype=np.int64, count=len(values))


def age(values: Values) -> np.ndarray:
    """Ages from 1 to 120."""
    digits, _ = values.digits(3)
    number = _number(digits)
    return _accept(values, (number > 0) & (number <= 120))


def _two_digits(chars: np.ndarray, column: int) -> np.ndarray:
    result: np.ndarray = (chars[:, column].astype(np.int64) - _ZERO) * 10 + (
        chars[:, column + 1].astype(np.int64) - _ZERO
    )
    return result


def iso_date(values: Values) -> np.ndarray:
    """ISO dates with a month 1-12 and a day 1-31."""
    chars = values.left(10)
    month, day = _two_digits(chars, 5), _two_digits(chars, 8)
    return _accept(values, (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31))


def numeric_date(values: Values) -> np.ndarray:
    """Numeric dates whose first two parts read as month/day or day/month."""
    chars = values.left(6).astype(np.int64)
    is_digit = (chars >= _ZERO) & (chars <= _NINE)
    numbers = np.where(is_digit, chars - _ZERO, 0)
    # The pattern is d{1,2} sep d{1,2} sep ...: the first separator is at 1 or 2.
    first_sep = np.where(is_digit[:, 1], 2, 1)
    rows = np.arange(len(values))
    first = np.where(first_sep == 2, numbers[:, 0] * 10 + numbers[:, 1], numbers[:, 0])
    a, b = first_sep + 1, first_sep + 2
    two = is_digit[rows, np.minimum(b, 5)]
    second = np.where(
        two, numbers[rows, a] * 10 + numbers[rows, np.minimum(b, 5)], numbers[rows, a]
    )
    ok = ((first >= 1) & (first <= 12) & (second >= 1) & (second <= 31)) | (
        (second >= 1) & (second <= 12) & (first >= 1) & (first <= 31)
    )
    return _accept(values, ok)


def luhn(values: Values) -> np.ndarray:
    """Values whose digits (separators ignored, at most 19) pass the Luhn checksum and are not
    one repeated digit: for declared detectors of Luhn-checked numbers (IMEIs, SINs...)."""
    digits, count = values.digits(19)
    doubled = digits[:, -2::-2] * 2
    total = digits[:, ::-2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    ok = (count >= 2) & (count <= 19) & (total % 10 == 0)
    return _accept(values, ok & _not_one_repeated_digit(digits, count))
