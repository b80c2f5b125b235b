"""Batch validators agree with the one-value definitions they vectorize."""

from __future__ import annotations

import ipaddress
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import validators
from vault_core.pii.validators import Values

_IPV6_CANDIDATE = re.compile(r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}")


def _parses(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["", "0", "1f", "abcd", "ffff", "12"]), min_size=3, max_size=8)
        .map(":".join)
        .filter(_IPV6_CANDIDATE.fullmatch),
        min_size=1,
        max_size=20,
    )
)
def test_when_ipv6_candidates_then_accepted_exactly_when_ipaddress_parses(
    values: list[str],
) -> None:
    accepted = validators.ipv6(Values.of(values)).tolist()
    assert [length > 0 for length in accepted] == [_parses(value) for value in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("0123456789", min_size=12, max_size=19), min_size=1, max_size=20))
def test_when_card_digits_then_luhn_batch_matches_one_by_one(values: list[str]) -> None:
    accepted = validators.card(Values.of(values)).tolist()
    expected = [validators.luhn_valid(v) and len(set(v)) > 1 for v in values]
    assert [length > 0 for length in accepted] == expected


def _iban_ok(compact: str) -> bool:
    moved = compact[4:] + compact[:4]
    return 15 <= len(compact) <= 34 and int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
            st.integers(0, 99),
            st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30),
        ).map(lambda t: f"{t[0]}{t[1]:02d}{t[2]}"),
        min_size=1,
        max_size=20,
    )
)
def test_when_compact_ibans_then_mod97_batch_matches_one_by_one(values: list[str]) -> None:
    accepted = validators.iban(Values.of(values)).tolist()
    assert [length > 0 for length in accepted] == [_iban_ok(v) for v in values]


def test_when_iban_swallowed_a_word_then_trimmed_to_the_valid_prefix() -> None:
    values = ["GB82 WEST 1234 5698 7654 32 THEN", "GB82 WEST 1234 5698 7654 33"]
    assert validators.iban(Values.of(values)).tolist() == [len("GB82 WEST 1234 5698 7654 32"), 0]


def test_when_aba_numbers_then_checksum_and_repeats_decide() -> None:
    values = ["011000015", "011000016", "111111111", "021000021"]
    assert [n > 0 for n in validators.aba(Values.of(values)).tolist()] == [
        True,
        False,
        False,
        True,
    ]


def test_when_empty_batch_then_empty_result() -> None:
    empty = Values.of([])
    for check in (validators.card, validators.ssn, validators.iban, validators.aba,
                  validators.ipv6, validators.numeric_date, validators.url, validators.ipv4,
                  validators.ssn_grouped):  # fmt: skip
        assert check(empty).tolist() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("0123456789 -()+.", max_size=20), min_size=1, max_size=20),
    st.integers(1, 12),
)
def test_when_digits_taken_then_last_digits_right_aligned(values: list[str], width: int) -> None:
    matrix, count = Values.of(values).digits(width)
    for row, value, digits in zip(matrix.tolist(), values, count.tolist(), strict=True):
        kept = [int(char) for char in value if char.isdigit()]
        assert digits == len(kept)
        assert row == ([0] * width + kept)[-width:]


def test_when_right_asked_twice_then_one_read_only_matrix() -> None:
    values = Values.of(["4111 1111", "12", ""])
    rows = values.right(4)
    assert rows.tolist() == [list(b"1111"), [0, 0, *b"12"], [0, 0, 0, 0]]
    assert values.right(4) is rows  # kept for the trimming that follows a checksum
    assert not rows.flags.writeable
