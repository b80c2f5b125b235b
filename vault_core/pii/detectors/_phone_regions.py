"""National phone numbers checked against Google's libphonenumber metadata (``phonenumbers``).

A candidate (digit groups found by a phone detector's regex) is a national number if its digits,
read in one of the configured regions, fit that region's numbering plan: the trunk prefix
(``0`` in most of Europe and Australia) where the region has one, then the region's national
number pattern. The regions' patterns are joined into one regex per region set, so a candidate
costs one regex match, not a ``phonenumbers.parse`` per region (~23 µs each, ~1 ms per
candidate over forty regions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
# Above this many candidates the plan is matched by Arrow's RE2, below by Python's re.
_ARROW_FROM = 3_000


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
        national_regex(self.regions)  # unknown regions fail here, not on the first scan
        # The regions are part of the name: the detector set's digest changes with them.
        self.__qualname__ = f"{type(self).__qualname__}({','.join(self.regions)})"

    def __call__(self, values: Values) -> np.ndarray:
        accepted = np.zeros(len(values), dtype=np.int64)
        if not len(values):
            return accepted
        # In numpy and one Arrow (RE2) match over the batch: a Python check per candidate
        # cost ~2.5 µs, 15 ms on the benchmark corpus's 6,000 digit groups.
        width = int(values.lengths.max())
        chars = values.left(width)
        is_digit = (chars - np.uint8(_ZERO)) < 10  # uint8 wraps below "0"
        # Group lengths from the runs of digits in the rows laid end to end, a non-digit after
        # each row (1-D work on the runs: a cumulative sum over the matrix cost 3x).
        padded = np.zeros((len(values), width + 1), dtype=bool)
        padded[:, :width] = is_digit
        edges = np.flatnonzero(padded.ravel()[1:] != padded.ravel()[:-1]) + 1
        if padded[0, 0]:
            edges = np.concatenate(([0], edges))
        row = edges[0::2] // (width + 1)
        length = edges[1::2] - edges[0::2]
        groups = np.bincount(row, minlength=len(values))
        count = np.bincount(row, weights=length, minlength=len(values)).astype(np.int64)
        most = int(groups.max(initial=1))
        first_run = np.concatenate(([0], np.cumsum(groups)[:-1]))
        sizes = np.zeros((len(values), most), dtype=np.int64)
        sizes[row, np.arange(len(row)) - first_run[row]] = length
        ok = (count >= _MIN_DIGITS) & (count <= _MAX_DIGITS)
        if not ok.any():
            return accepted  # (without a digit at all, the steps below had no rows to read)
        flat = chars[is_digit] - np.uint8(_ZERO)
        heads = np.concatenate(([0], np.cumsum(count)[:-1]))
        ok &= ~_date_shaped(sizes, groups, _leading_number(flat, heads, count))
        dotted = (chars == np.uint8(_DOT)).any(axis=1)
        later = np.arange(most) >= 1
        pairs = ((sizes == 2) | ~later | (np.arange(most) >= groups[:, None])).all(axis=1)
        ok &= ~dotted | pairs
        # North American groups (3-3-4, perhaps after a 1) are NanpPhone's, which reports them
        # unvalidated: checking them again here only costs.
        ok &= ~_nanp_shaped(sizes, groups)
        first = flat[np.minimum(heads, len(flat) - 1)] + np.uint8(_ZERO) if len(flat) else flat
        ok &= count != (chars == first[:, None]).sum(axis=1)  # not one repeated digit
        picked = np.flatnonzero(ok)
        if not len(picked):
            return accepted
        digits = flat[np.repeat(ok, count)] + np.uint8(_ZERO)  # the picked rows' digits
        offsets = np.concatenate(([0], np.cumsum(count[picked]))).astype(np.int32)
        strings = pa.StringArray.from_buffers(
            len(picked), pa.py_buffer(offsets), pa.py_buffer(digits.tobytes())
        )
        plan = national_regex(self.regions)
        if len(picked) > _ARROW_FROM:
            # Arrow's RE2 compiles the plan on every call (~2 ms), then matches ~5x faster
            # than Python's re (~0.8 µs a value).
            found = pc.match_substring_regex(strings, f"^(?:{plan.pattern})$")
            matched = found.to_numpy(zero_copy_only=False)
        else:
            matched = np.array(
                [plan.fullmatch(value) is not None for value in strings.to_pylist()], dtype=bool
            )
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


def _leading_number(flat: np.ndarray, heads: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The number the first four digits of each value make (0 if it has fewer)."""
    number = np.zeros(len(heads), dtype=np.int64)
    has_four = count >= 4
    for place in range(4):
        picks = np.minimum(heads + place, max(len(flat) - 1, 0))
        digit = flat[picks].astype(np.int64) if len(flat) else np.zeros(len(heads), np.int64)
        number = number * 10 + np.where(has_four, digit, 0)
    return number


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
