"""Tests of the width and digit-run bounds read off a regex's syntax tree."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.detectors import default_detectors
from vault_core.pii.regex_bounds import (
    digit_forms,
    digit_run,
    first_characters,
    narrowest,
    plain_ascii,
    prefix_tail_characters,
    widest,
)
from vault_core.pii.scan.plan import scan_form as _scan_form

DETECTORS = default_detectors()


@pytest.mark.parametrize(
    ("regex", "run"),
    [
        (r"[0-9]{9}", 9),
        (r"[0-9]{3}-[0-9]{2}-[0-9]{4}", 4),
        (r"(?:19|20)[0-9]{2}-[0-9]{2}", 4),  # a branch of digits only joins the run
        (r"[0-9]{1,2}/(?:19|20)?[0-9]{2}", 2),  # an optional part counts as none
        (r"[0-9]{3}-?[0-9]{2}", 3),  # an optional separator breaks the run
        (r"[0-9]{3}|[0-9]{5}", 3),
        (r"(?:[0-9]{2}-){2}", 2),
        (r"(?:a[0-9]{2})+", 2),
        (r"(?:[0-9]a[0-9]){2}", 2),  # a repeat's tail meets its head
        (r"[a-z]+", 0),
        (r"[0-9a]{5}", 0),  # not digits only
        (r"\d{5}", 0),  # \d is Unicode: not counted
        (r"[^a][0-9]{8,17}", 8),
    ],
)
def test_when_regex_parsed_then_digit_run_is_its_guaranteed_run(regex: str, run: int) -> None:
    assert digit_run(regex) == run


@pytest.mark.parametrize(
    ("regex", "first"),
    [
        (r"9[0-9]{2}-[5-9][0-9]|9[0-9]{2} [5-9]", "9"),
        (r"[0123678][0-9]{8}", "0123678"),
        (r"(?:19|20)[0-9]{2}", "12"),
        (r"[A-C]{2,}x", "ABC"),
        (r"[A-Z]?[0-9]{8}", None),  # an optional start
        (r"[^a]b", None),  # a negated class
        (r"\d{3}", None),  # \d is Unicode
        (r"", None),
    ],
)
def test_when_regex_parsed_then_first_characters_are_its_possible_starts(
    regex: str, first: str | None
) -> None:
    found = first_characters(regex)
    assert (None if found is None else "".join(sorted(map(chr, found)))) == first


def test_when_regex_unbounded_then_no_width() -> None:
    assert widest(r"[0-9]{2,5}-") == 6
    assert widest(r"a+") is None


_PIECES = st.sampled_from(
    [*"0123456789 -./:()+@,aZ\n", "12", "345", "2021-02-11", "4111 1111 1111 1111", "ssn ",
     "536-22-1234", "(415) 555-0132", "GB82 WEST 1234 5698 7654 32", "12 Oak St", "aged 42",
     "42 years old", "March 3, 2001", "192.168.1.1", "+44 20 7946 0958", "012345678901"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_when_any_text_then_every_scan_match_holds_the_bounds(text: str) -> None:
    # What the columnar pass relies on to scan some detectors only near runs of digits.
    for detector in DETECTORS:
        regex = _scan_form(detector).regex
        run, most = digit_run(regex), widest(regex)
        for match in re.finditer(regex, text):
            assert most is None or len(match.group()) <= most
            runs = [len(r) for r in re.findall("[0-9]+", match.group())]
            assert max(runs, default=0) >= run, (detector.name, match.group())
        # What the `within` subsets rely on to ask only some values.
        begins, fewest = first_characters(detector.pattern), narrowest(detector.pattern)
        for match in re.finditer(detector.pattern, text):
            assert len(match.group()) >= fewest
            assert begins is None or ord(match.group()[0]) in begins, detector.name


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (r"^ ?|[^0-9 -]|[^0-9] ", " "),  # the "^" alternative never matches in a row
        (r"[Aa]ged |[Aa]ge:? ", " :deg"),
        (r"x[a-c]{1,2}", "abc"),
        (r"[^0-9]", ""),
        (r"\bx", None),  # zero width, not "^"
        (r"^\s?", None),  # "^" then a class that may hold a line break
        (r"x[^a]", None),  # a negated class after the first character
        (r"xy|", None),  # an empty alternative
    ],
)
def test_when_prefix_parsed_then_tail_characters_are_its_later_characters(
    regex: str, expected: str | None
) -> None:
    found = prefix_tail_characters(regex)
    assert (None if found is None else "".join(sorted(map(chr, found)))) == expected


@pytest.mark.parametrize(
    ("regex", "plain"),
    [
        (r"[0-9]{3}[ -][0-9]{3}", True),
        (r"(?:ab|c[d-f])+x?", True),
        (r"[A-Z]?[0-9]{8,9}", True),
        (r"\bx", False),  # an anchor: depends on the text around
        (r"a(?=b)", False),  # a lookahead
        (r"\d{3}", False),  # a category (Python and Rust read \d differently)
        (r"[^0-9]", False),  # a negated class holds non-ASCII characters
        (r"(a)\1", False),  # a back reference
        (r"é", False),
    ],
)
def test_when_regex_of_ascii_literals_and_classes_then_plain(regex: str, plain: bool) -> None:
    assert plain_ascii(regex) is plain


_DIGIT_PATTERNS = [
    *(d.pattern for d in DETECTORS if d.within),
    r"[0-9]{12}|[0-9]{10}", r"[12][0-9]{14}", r"9[0-9]{2,}", r"[0-9]", r"(?:[0-9]{3})",
]  # fmt: skip


@pytest.mark.parametrize(
    ("regex", "readable"),
    [
        (r"[0-9]{9}", True),
        (r"[0123678][0-9]{8}", True),
        (r"[0-9]{12}|[0-9]{10}", True),
        (r"[A-Z]?[0-9]{8,9}", False),  # a letter
        (r"[0-9]{3}-[0-9]{2}", False),
        (r"[0-9]{3}[1-9]", False),  # a class after the run
        (r"[0-9a]{5}", False),
        (r"\d{5}", False),  # Unicode digits
    ],
)
def test_when_regex_of_digits_then_its_forms_are_read(regex: str, readable: bool) -> None:
    assert (digit_forms(regex) is not None) == readable


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=18), st.sampled_from(_DIGIT_PATTERNS))
def test_when_digits_then_forms_fit_exactly_where_the_regex_fullmatches(
    digits: str, regex: str
) -> None:
    # What the columnar pass relies on to judge derived detectors of digits without a regex.
    forms = digit_forms(regex)
    if forms is None:
        return
    fits = any(
        len(form.head) + form.low <= len(digits) <= len(form.head) + form.high
        and all(ord(char) in codes for char, codes in zip(digits, form.head, strict=False))
        for form in forms
    )
    assert fits == (re.fullmatch(regex, digits) is not None)
