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
_DIGITS = re.compile(r"[0-9]+")
# Group shapes of dates: "12.04.2019", "2019-04-12", "12-04-19" are dates, not phone numbers.
_DATE_SHAPES = frozenset(
    {(1, 1, 4), (1, 2, 4), (2, 1, 4), (2, 2, 4), (4, 1, 1), (4, 1, 2), (4, 2, 1), (4, 2, 2)}
)


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
        plan = national_regex(self.regions)
        accepted = np.zeros(len(values), dtype=np.int64)
        if not len(values):
            return accepted
        # Digits counted in numpy first: the Python check runs only on plausible lengths.
        chars = values.right(int(values.lengths.max()))
        count = np.count_nonzero((chars - np.uint8(48)) < 10, axis=1)  # uint8 wraps below "0"
        plausible = np.flatnonzero((count >= _MIN_DIGITS) & (count <= _MAX_DIGITS))
        data = values.utf8.data
        for index in plausible.tolist():
            value = str(data[values.start[index] : values.end[index]], "utf-8")
            if _is_national(value, plan):
                accepted[index] = len(value)
        return accepted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NationalPhoneNumbers) and other.regions == self.regions

    def __hash__(self) -> int:
        return hash(self.regions)


def _is_national(value: str, plan: re.Pattern[str]) -> bool:
    groups = _DIGITS.findall(value)
    digits = "".join(groups)
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS or digits.count(digits[0]) == len(digits):
        return False
    shape = tuple(len(group) for group in groups)
    if shape in _DATE_SHAPES:
        return False
    if "." in value and any(size != 2 for size in shape[1:]):
        return False
    return plan.fullmatch(digits) is not None
