"""National phone formats checked against libphonenumber's metadata (NationalPhone), and their
regions as configuration."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.pii.detectors import DetectorsConfig, _phone_regions
from vault_core.pii.detectors._phone_regions import (
    DEFAULT_PHONE_REGIONS,
    NationalPhoneNumbers,
    national_regex,
)
from vault_core.pii.detectors.phone import national_phone_detectors
from vault_core.pii.exceptions import DetectorError
from vault_core.pii.validators import Values


@pytest.fixture(scope="module")
def patterns() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def _phones(engine: PiiEngine, text: str) -> list[str]:
    return [text[f.start : f.end] for f in engine.detect(text) if f.entity_type == "PHONE_NUMBER"]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call 07700 063 966 today", "07700 063 966"),  # UK mobile
        ("ring 0490 75 40 81.", "0490 75 40 81"),  # AU mobile / FR
        ("office (37) 788-063", "(37) 788-063"),  # area code in brackets
        ("phone: 60-56-85-91", "60-56-85-91"),  # DK, eight digits in pairs
        ("tel. 04.90.75.40.81", "04.90.75.40.81"),  # FR, dotted pairs
        ("mobile 612 34 56 78", "612 34 56 78"),  # ES
        ("Festnetz 030 12345678", "030 12345678"),  # DE, Berlin
        ("not answering at 9969 3507", "9969 3507"),  # two groups
        ("Desk: +41 86 624 24 76-Fax", "+41 86 624 24 76"),  # the whole international number
        ("call (970)634-5511x8070 now", "(970)634-5511x8070"),  # an extension
    ],
)
def test_when_national_format_then_reported(patterns: PiiEngine, text: str, phone: str) -> None:
    assert phone in _phones(patterns, text)


@pytest.mark.parametrize(
    "text",
    [
        "born 01.02.2019",  # a date
        "order 1234 5678 9012",  # four-digit groups
        "host 192.168.100.200",  # an IP address
        "version 01.2.33",  # dotted, not pairs
        "code 0123",  # too short
        "phone 00000 000 000",  # one repeated digit
    ],
)
def test_when_not_a_national_number_then_no_phone(patterns: PiiEngine, text: str) -> None:
    assert _phones(patterns, text) == []


def test_when_date_shaped_then_validator_rejects() -> None:
    validate = NationalPhoneNumbers()
    accepted = validate(Values.of(["12-04-2019", "2019-04-12", "0490 75 40 81"]))
    assert accepted.tolist() == [0, 0, 13]


def test_when_regions_configured_then_only_their_formats_found() -> None:
    uk_only = PiiEngine(
        PiiEngineConfig(mode="patterns", detectors=DetectorsConfig(phone_regions=["GB"]))
    )
    assert _phones(uk_only, "Call 07700 063 966 today") == ["07700 063 966"]
    assert _phones(uk_only, "phone: 60-56-85-91") == []


def test_when_regions_change_then_digest_changes() -> None:
    default = PiiEngine(PiiEngineConfig(mode="patterns"))
    uk_only = PiiEngine(
        PiiEngineConfig(mode="patterns", detectors=DetectorsConfig(phone_regions=["GB"]))
    )
    assert default.detector_digest != uk_only.detector_digest


def test_when_region_unknown_then_detector_error() -> None:
    with pytest.raises(DetectorError, match="ISO 3166"):
        national_phone_detectors(["XX"])


def test_when_validated_in_one_batch_then_same_as_each_value_alone() -> None:
    # Group sizes come from the digit runs of the whole batch laid end to end: a value
    # beginning with a digit first, values without digits, empty and widest values between.
    values = ["0490 75 40 81", "", "(37) 788-063", "abc", "07700 063 966", "60-56-85-91",
              "04.90.75.40.81", "0123456789012345678", "612 34 56 78", "2021-02-11 10",
              "415 555 0132", "1 415 555 0132", "0-0", "07.700.063.966",
              "0000 000 000"]  # fmt: skip
    validate = NationalPhoneNumbers()
    together = validate(Values.of(values)).tolist()
    assert together == [int(validate(Values.of([value]))[0]) for value in values]
    assert together[0] == len(values[0])
    assert together[3] == 0


def _one_by_one(value: str) -> int:
    """NationalPhoneNumbers' rules for one value, in plain Python."""
    groups = re.findall("[0-9]+", value)
    sizes = [len(group) for group in groups]
    digits = "".join(groups)
    if not 7 <= len(digits) <= 13 or len(set(digits)) == 1:
        return 0
    if len(sizes) >= 3:
        first, second, third = sizes[:3]
        if len(sizes) == 3 and first <= 2 and 1 <= second <= 2 and third == 4:
            return 0  # 12-04-2019
        if first == 4 and 1900 <= int(digits[:4]) <= 2099 and 1 <= second <= 2 >= third:
            return 0  # 2019-04-12
    if sizes in ([3, 3, 4], [1, 3, 3, 4]):
        return 0  # NanpPhone's
    if "." in value and any(size != 2 for size in sizes[1:]):
        return 0
    plan = national_regex(tuple(sorted(DEFAULT_PHONE_REGIONS)))
    return len(value.encode()) if plan.fullmatch(digits) else 0


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from("0123456789" * 4 + " -.()aé\n"), max_size=200),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 24)), max_size=30),
)
def test_when_spans_of_a_buffer_then_same_as_each_value_alone(
    text: str, spans: list[tuple[int, int]]
) -> None:
    # Values cut anywhere (inside runs of digits too), with the buffer's runs of digits given
    # (as the columnar pass gives its corpus's) and found by the batch itself.
    raw = text.encode()
    utf8 = np.frombuffer(raw, dtype=np.uint8)
    bounds = [(min(a, len(raw)), min(a + w, len(raw))) for a, w in spans]
    bounds = [(a, b) for a, b in bounds if _boundary(raw, a) and _boundary(raw, b)]
    start = np.array([a for a, _ in bounds], dtype=np.int64)
    end = np.array([b for _, b in bounds], dtype=np.int64)
    runs = Values(utf8, np.array([0]), np.array([len(raw)])).digit_runs
    expected = [_one_by_one(raw[a:b].decode()) for a, b in bounds]
    validate = NationalPhoneNumbers()
    assert validate(Values(utf8, start, end)).tolist() == expected
    assert validate(Values(utf8, start, end, lambda: runs)).tolist() == expected


def _boundary(raw: bytes, at: int) -> bool:
    return at == len(raw) or raw[at] & 0xC0 != 0x80


@pytest.mark.parametrize(
    "value", ["0490 75 40 81", "07700 063 966", "612 34 56 78", "60-56-85-91", "030 12345678"]
)
def test_when_plans_have_no_automaton_then_regex_finds_the_same(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    validate = NationalPhoneNumbers()
    assert validate(Values.of([value, "6133 8153 3609"])).tolist() == [len(value), 0]
    monkeypatch.setattr(_phone_regions, "national_automaton", lambda regions: None)
    assert validate(Values.of([value, "6133 8153 3609"])).tolist() == [len(value), 0]
