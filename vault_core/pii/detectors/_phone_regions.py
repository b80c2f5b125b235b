"""National phone numbers checked against Google's libphonenumber metadata (``phonenumbers``).

A candidate (digit groups found by a phone detector's regex) is a national number if its digits,
read in one of the configured regions, fit that region's numbering plan: the trunk prefix
(``0`` in most of Europe and Australia) where the region has one, then the region's national
number pattern. The regions' patterns are joined into one regex per region set, matched as a
table-driven automaton over a whole batch of candidates (:mod:`vault_core.pii.digit_automaton`),
not a ``phonenumbers.parse`` per region (~23 µs each, ~1 ms per candidate over forty regions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np

from vault_core.pii.digit_automaton import DigitAutomaton
from vault_core.pii.exceptions import DetectorError
from vault_core.pii.validators import Values

DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    # EU and EEA, the UK and Switzerland
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
    "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
    "SI", "SK",
    # the Americas, Oceania, Asia, Africa
    "US", "CA", "MX", "BR", "AR", "CL", "CO", "AU", "NZ", "IN", "SG", "JP", "KR", "PH", "IL",
    "TR", "UA", "ZA",
)  # fmt: skip
"""Regions (ISO 3166 alpha-2, as libphonenumber names them) whose national formats are found
by default."""

# Fewer digits are not a national number anywhere we look; more are not either (E.164: 15 with
# the country code).
_MIN_DIGITS, _MAX_DIGITS = 7, 13
_ZERO, _DOT = 48, 46


@cache
def national_regex(regions: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching the digits of a national number of any of ``regions``.

    Raises:
        DetectorError: If a region is unknown to libphonenumber.
    """
    from phonenumbers import PhoneMetadata

    plans = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None or metadata.general_desc is None:
            raise DetectorError(
                f"phone region {region!r} is not a region libphonenumber knows; use ISO 3166 "
                "alpha-2 codes such as GB or DE"
            )
        number = metadata.general_desc.national_number_pattern
        trunk = metadata.national_prefix
        plans.append(f"{re.escape(trunk)}(?:{number})" if trunk else f"(?:{number})")
    return re.compile("|".join(plans))


@cache
def national_automaton(regions: tuple[str, ...]) -> DigitAutomaton | None:
    """:func:`national_regex` as an automaton over numbers of up to ``_MAX_DIGITS`` digits
    (~700 states, built in ~50 ms): matching a batch costs ~0.15 µs a number, against ~0.5-1 µs
    for a Python ``fullmatch`` each. None if the plans use syntax it does not read."""
    return DigitAutomaton.of(national_regex(regions).pattern, _MAX_DIGITS)


class NationalPhoneNumbers:
    """A batch validator (see :mod:`vault_core.pii.validators`): accepts digit groups that are a
    national phone number of one of ``regions`` and are not shaped like a date.

    Dot-separated candidates must be groups of two digits after the first ("04.90.75.40.81"):
    other dotted digit groups are versions and addresses far more often than phone numbers.
    """

    def __init__(self, regions: Iterable[str] = DEFAULT_PHONE_REGIONS) -> None:
        self.regions = tuple(sorted({region.upper() for region in regions}))
        if not self.regions:
            raise DetectorError("give at least one phone region")
        national_automaton(self.regions)  # unknown regions fail here, not on the first scan
        # The regions are part of the name: the detector set's digest changes with them.
        self.__qualname__ = f"{type(self).__qualname__}({','.join(self.regions)})"

    def __call__(self, values: Values) -> np.ndarray:
        accepted = np.zeros(len(values), dtype=np.int64)
        if not len(values):
            return accepted
        # In numpy over the batch's digit groups, which are the buffer's runs of digits cut at
        # each value's bounds (found by a binary search: no matrix of the values' bytes), and
        # the plan's automaton over the digits of the values left. A Python check of the
        # groups per candidate cost ~2.5 µs, 15 ms on the benchmark corpus's 6,000 values; a
        # matrix of their bytes and a Python ``fullmatch`` each, ~3 ms.
        begins, ends, groups = values.digit_groups()
        most = begins.shape[1]
        if not most:
            return accepted
        past = np.arange(most) >= groups[:, None]
        sizes = ends - begins
        count = sizes.sum(axis=1)
        ok = (count >= _MIN_DIGITS) & (count <= _MAX_DIGITS)
        utf8 = values.utf8
        # The number of a first group of four digits (a year?), else 0.
        four = ok & (sizes[:, 0] == 4)
        leading = np.zeros(len(values), dtype=np.int64)
        if four.any():
            head = begins[four, 0]
            for place in range(4):
                leading[four] = leading[four] * 10 + (utf8[head + place] - np.uint8(_ZERO))
        ok &= ~_date_shaped(sizes, groups, leading)
        # North American groups (3-3-4, perhaps after a 1) are NanpPhone's, which reports them
        # unvalidated: checking them again here only costs.
        ok &= ~_nanp_shaped(sizes, groups)
        pairs = ((sizes[:, 1:] == 2) | past[:, 1:]).all(axis=1)
        unsure = np.flatnonzero(ok & ~pairs)
        if len(unsure):
            ok[unsure] = ~_dotted(values, unsure)
        picked = np.flatnonzero(ok)
        if not len(picked):
            return accepted
        # The picked values' digits one after another: each group a range of the buffer.
        has = ~past[picked]
        low, high = begins[picked][has], ends[picked][has]
        span = high - low
        counts = count[picked]
        offsets = np.zeros(len(picked) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        inside = np.arange(int(offsets[-1])) - np.repeat(np.cumsum(span) - span - low, span)
        digits = utf8[inside]
        # Not one repeated digit.
        same = digits == np.repeat(digits[offsets[:-1]], counts)
        varied = np.add.reduceat(same, offsets[:-1]) != counts
        if not varied.all():
            digits = digits[np.repeat(varied, counts)]
            picked, offsets = _kept_strings(picked, offsets, varied)
            if not len(picked):
                return accepted
        automaton = national_automaton(self.regions)
        if automaton is not None:
            matched = automaton.fullmatch(digits, offsets)
        else:
            plan = national_regex(self.regions).fullmatch
            text = digits.tobytes().decode("ascii")
            bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
            matched = np.array([plan(text, low, high) is not None for low, high in bounds])
        accepted[picked[matched]] = values.lengths[picked[matched]]
        return accepted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NationalPhoneNumbers) and other.regions == self.regions

    def __hash__(self) -> int:
        return hash(self.regions)


def _nanp_shaped(sizes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Whether each value's digit groups are 3-3-4 or 1-3-3-4 (North American)."""
    if sizes.shape[1] < 3:
        return np.zeros(len(sizes), dtype=bool)
    three: np.ndarray = (groups == 3) & (sizes[:, 0] == 3) & (sizes[:, 1] == 3) & (sizes[:, 2] == 4)
    if sizes.shape[1] < 4:
        return three
    four = (groups == 4) & (sizes[:, 0] == 1) & (sizes[:, 1] == 3) & (sizes[:, 2] == 3)
    result: np.ndarray = three | (four & (sizes[:, 3] == 4))
    return result


def _date_shaped(sizes: np.ndarray, groups: np.ndarray, leading: np.ndarray) -> np.ndarray:
    """Whether each value's digit groups are a date's: d(d)-d(d)-dddd, or a year 1900-2099
    then d(d)-d(d) (then perhaps a time: "2021-02-11 10")."""
    if sizes.shape[1] < 3:
        return np.zeros(len(sizes), dtype=bool)
    first, second, third = sizes[:, 0], sizes[:, 1], sizes[:, 2]
    small = (second >= 1) & (second <= 2)
    day_first = (groups == 3) & (first <= 2) & small & (third == 4)
    year = (first == 4) & (leading >= 1900) & (leading <= 2099)
    year_first = year & small & (third >= 1) & (third <= 2)
    result: np.ndarray = (groups >= 3) & (day_first | year_first)
    return result


def _dotted(values: Values, rows: np.ndarray) -> np.ndarray:
    """Whether each of the values ``rows`` holds a full stop."""
    chosen = Values(values.utf8, values.start[rows], values.end[rows])
    chars = chosen.left(int(chosen.lengths.max()))
    result: np.ndarray = (chars == np.uint8(_DOT)).any(axis=1)
    return result


def _kept_strings(
    picked: np.ndarray, offsets: np.ndarray, kept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ``kept`` of ``picked`` and the offsets of their strings laid end to end."""
    lengths = np.diff(offsets)[kept]
    result = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=result[1:])
    return picked[kept], result
