"""Checks of candidate values, a whole batch per call: checksums, parses, ranges.

Each validator takes the candidate values one detector found (a polars ``String`` series) and
returns the accepted length of each, in characters (``0``: rejected). Validators only shorten
a value (a URL's trailing full stop, an IBAN's trailing word). They run as polars expressions or
numpy arithmetic over the whole batch: the pattern pass never loops over matches in Python
(a Python call per match cost more than the Rust regex scan itself).

Checksums: Luhn (cards), IBAN mod-97, ABA routing weights, SSN area/group/serial rules, ITIN
group ranges, IPv4/IPv6 parsing, calendar ranges of dates, plausible ages.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

Validator = Callable[[pl.Series], pl.Series]
"""Values -> accepted length in characters of each (``0`` rejects it)."""

_SEPARATORS = "[ -]"


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits (one value; see :func:`_luhn_ok` for batches)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _accept(values: pl.Series, ok: pl.Series | np.ndarray) -> pl.Series:
    """Whole length where ``ok``, else 0."""
    lengths = values.str.len_chars().cast(pl.Int64)
    return lengths * pl.Series(np.asarray(ok, dtype=bool)).cast(pl.Int64)


def _digit_matrix(digits: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """ASCII digit strings as a right-aligned ``(n, width)`` matrix of 0-9, left-padded with 0,
    and a mask of the positions that hold a digit of the value (not padding)."""
    lengths = digits.str.len_bytes().to_numpy()
    padded = digits.str.pad_start(width, "0").str.slice(-width)
    joined = padded.str.join("").item() if len(padded) else ""
    matrix = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(digits), width)
    mask = np.arange(width)[None, :] >= (width - lengths)[:, None]
    return matrix.astype(np.int64) - 48, mask


_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)


def _luhn_ok(matrix: np.ndarray) -> np.ndarray:
    """Luhn checksums of the rows of a right-aligned digit matrix (leading zeros are neutral)."""
    doubled = matrix.copy()
    # Every second digit from the right is doubled (digit sum of the product).
    doubled[:, -2::-2] = _LUHN_DOUBLE[matrix[:, -2::-2]]
    result: np.ndarray = doubled.sum(axis=1) % 10 == 0
    return result


def _not_one_repeated_digit(matrix: np.ndarray, mask: np.ndarray) -> np.ndarray:
    high = np.where(mask, matrix, -1).max(axis=1)
    low = np.where(mask, matrix, 10).min(axis=1)
    result: np.ndarray = high != low
    return result


def card(values: pl.Series) -> pl.Series:
    """Luhn-valid card numbers of 12-19 digits, written whole or in groups of four (Amex 4-6-5)
    with one kind of separator; a run of numbers passes Luhn one time in ten."""
    separators = values.str.count_matches(_SEPARATORS).to_numpy()
    mixed = values.str.contains(" ", literal=True) & values.str.contains("-", literal=True)
    first_group = values.str.find(_SEPARATORS).fill_null(-1).to_numpy()
    grouped_ok = (separators == 0) | (~mixed.to_numpy() & (first_group == 4) & (separators <= 4))
    digits = values.str.replace_all(_SEPARATORS, "")
    matrix, mask = _digit_matrix(digits, 19)
    return _accept(values, grouped_ok & _luhn_ok(matrix) & _not_one_repeated_digit(matrix, mask))


def ssn(values: pl.Series) -> pl.Series:
    """US SSNs: area not 000, 666 or 9xx; group not 00; serial not 0000; not one repeated digit
    or a famous example number (numpy over the nine digits)."""
    matrix, mask = _digit_matrix(values.str.replace_all(_SEPARATORS, ""), 9)
    area = matrix[:, :3] @ np.array([100, 10, 1])
    group = matrix[:, 3:5] @ np.array([10, 1])
    serial = matrix[:, 5:] @ np.array([1000, 100, 10, 1])
    number = matrix @ (10 ** np.arange(8, -1, -1))
    ok = (
        (area != 0)
        & (area != 666)
        & (area < 900)
        & (group != 0)
        & (serial != 0)
        & ~np.isin(number, [123456789, 78051120, 219099999])
    )
    return _accept(values, ok & _not_one_repeated_digit(matrix, mask))


_ITIN_GROUPS = [*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)]


def itin(values: pl.Series) -> pl.Series:
    """US ITINs: 9xx with a group in the IRS's assigned ranges."""
    group = values.str.replace_all(_SEPARATORS, "").str.slice(3, 2).cast(pl.Int64, strict=False)
    return _accept(values, group.is_in(_ITIN_GROUPS).fill_null(False).to_numpy())


def aba(values: pl.Series) -> pl.Series:
    """ABA routing numbers: weights 3, 7, 1 over the nine digits sum to a multiple of ten."""
    matrix, mask = _digit_matrix(values, 9)
    weights = np.array([3, 7, 1] * 3, dtype=np.int64)
    ok = (matrix @ weights) % 10 == 0
    return _accept(values, ok & _not_one_repeated_digit(matrix, mask))


_IBAN_WIDTH = 34


def _mod97_is_one(compact: pl.Series) -> np.ndarray:
    """``int(rearranged IBAN with letters as 10..35) % 97 == 1`` for each value of 15-34
    characters from [A-Z0-9]; other lengths are False."""
    lengths = compact.str.len_bytes().to_numpy()
    rearranged = (compact.str.slice(4) + compact.str.slice(0, 4)).str.pad_start(_IBAN_WIDTH, "0")
    joined = rearranged.str.join("").item() if len(rearranged) else ""
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, _IBAN_WIDTH)
    letters = chars >= 65
    values = np.where(letters, chars.astype(np.int64) - 55, chars.astype(np.int64) - 48)
    remainder = np.zeros(len(compact), dtype=np.int64)
    for column in range(_IBAN_WIDTH):
        scale = np.where(letters[:, column], 100, 10)
        remainder = (remainder * scale + values[:, column]) % 97
    result: np.ndarray = (remainder == 1) & (lengths >= 15) & (lengths <= _IBAN_WIDTH)
    return result


def iban(values: pl.Series) -> pl.Series:
    """IBANs passing mod-97. The pattern's optional trailing groups may have swallowed a
    following word: groups are dropped from the end until the checksum holds."""
    accepted = np.zeros(len(values), dtype=np.int64)
    pending = np.arange(len(values))
    candidates = values
    while len(pending):
        ok = _mod97_is_one(candidates.str.replace_all(" ", "", literal=True))
        accepted[pending[ok]] = candidates.filter(pl.Series(ok)).str.len_chars().to_numpy()
        retry = ~ok & candidates.str.contains(" ", literal=True).to_numpy()
        pending = pending[retry]
        candidates = candidates.filter(pl.Series(retry)).str.replace(r" [^ ]*$", "")
    return pl.Series(accepted)


def ipv6(values: pl.Series) -> pl.Series:
    """IPv6 addresses as ``ipaddress`` parses them (the pattern admits only hex groups of up to
    four digits and colons): ``::`` at most once, eight groups without it and at most seven
    with it, and a single colon never at either end."""
    frame = values.to_frame("v").select(
        double=pl.col("v").str.count_matches("::", literal=True),
        triple=pl.col("v").str.contains(":::", literal=True),
        groups=pl.col("v").str.split(":").list.eval(pl.element().str.len_bytes() > 0).list.sum(),
        lone_edge=(
            (pl.col("v").str.starts_with(":") & ~pl.col("v").str.starts_with("::"))
            | (pl.col("v").str.ends_with(":") & ~pl.col("v").str.ends_with("::"))
        ),
    )
    double = frame.get_column("double").to_numpy()
    groups = frame.get_column("groups").to_numpy()
    ok = (
        ~frame.get_column("triple").to_numpy()
        & ~frame.get_column("lone_edge").to_numpy()
        & (((double == 0) & (groups == 8)) | ((double == 1) & (groups <= 7)))
    )
    return _accept(values, ok)


def phone_digits(values: pl.Series) -> pl.Series:
    """International numbers with 8-15 digits (E.164 allows 15)."""
    count = values.str.count_matches("[0-9]").to_numpy()
    return _accept(values, (count >= 8) & (count <= 15))


def url(values: pl.Series) -> pl.Series:
    """URLs without the sentence punctuation that followed them."""
    return values.str.strip_chars_end(".,;:!?'\"").str.len_chars().cast(pl.Int64)


def age(values: pl.Series) -> pl.Series:
    """Ages from 1 to 120."""
    number = values.cast(pl.Int64, strict=False)
    return _accept(values, ((number > 0) & (number <= 120)).fill_null(False).to_numpy())


def iso_date(values: pl.Series) -> pl.Series:
    """ISO dates with a month 1-12 and a day 1-31."""
    month = values.str.slice(5, 2).cast(pl.Int64, strict=False)
    day = values.str.slice(8, 2).cast(pl.Int64, strict=False)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    return _accept(values, ok.fill_null(False).to_numpy())


def numeric_date(values: pl.Series) -> pl.Series:
    """Numeric dates whose first two parts read as month/day or day/month."""
    parts = values.str.extract_groups(r"^([0-9]{1,2})[/.]([0-9]{1,2})")
    first = parts.struct.field("1").cast(pl.Int64, strict=False)
    second = parts.struct.field("2").cast(pl.Int64, strict=False)
    ok = ((first >= 1) & (first <= 12) & (second >= 1) & (second <= 31)) | (
        (second >= 1) & (second <= 12) & (first >= 1) & (first <= 31)
    )
    return _accept(values, ok.fill_null(False).to_numpy())
