"""The columnar index rows are the rows of the per-finding reference they replaced, byte for
byte: values cut out of their cells, normalized, hashed and deduplicated alike."""

from __future__ import annotations

import random

import blake3
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core import subject_index
from vault_core._cell_slices import cell_slices
from vault_core.pii.canonical import ALNUM_ENTITIES, canonical_value
from vault_core.pii.finding import DECLARED_DETECTOR

KEY = bytes(range(32))


# -- the reference: index_rows as it was, one finding at a time -------------------------------


def _reference_phone_keys(text: str) -> list[str]:
    digits = subject_index._DIGITS.sub("", text)
    if not digits:
        return []
    keys = [digits]
    if text.lstrip().startswith("+"):
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return keys
        national = str(parsed.national_number)
        if national != digits:
            keys.append(national)
    return keys


def _reference_value_keys(entity: str, value: str, declared: bool) -> list[tuple[str, str]]:
    if entity == "EMAIL_ADDRESS":
        return [("email", canonical_value(entity, value))]
    if entity == "PHONE_NUMBER":
        return [("phone", key) for key in _reference_phone_keys(value)]
    if entity in ALNUM_ENTITIES or (entity in subject_index.INDEXED_TYPES and not declared):
        return [("id", canonical_value("CREDIT_CARD", value))]
    return [("text", canonical_value(entity, value))]


def _reference_rows(texts: pa.Table, findings: pa.Table, partition: str) -> pa.Table:
    rows_of = {rid: i for i, rid in enumerate(texts["record_id"].to_pylist())}
    subjects: set[tuple[str, str]] = set()
    for rid, column, start, end, entity, detector in zip(
        *(findings[name].to_pylist() for name in
          ("record_id", "column", "start", "end", "entity_type", "detector")),
        strict=True,
    ):  # fmt: skip
        is_declared = detector == DECLARED_DETECTOR
        if not is_declared and entity not in subject_index.INDEXED_TYPES:
            continue
        text = texts[column].to_pylist()[rows_of[rid]]
        if not text:
            continue
        value = text if is_declared else text[start:end]
        for kind, norm in _reference_value_keys(entity, value, is_declared):
            if norm:
                message = f"{kind}\x1f{norm}".encode("utf-8", "surrogatepass")
                subjects.add((blake3.blake3(message, key=KEY).hexdigest(length=16), rid))
    ordered = sorted(subjects)
    return pa.table(
        {
            "subject": pa.array([s for s, _ in ordered], pa.string()),
            "record_id": pa.array([r for _, r in ordered], pa.string()),
            "partition": pa.array([partition] * len(ordered), pa.string()),
        },
        schema=subject_index.INDEX_SCHEMA,
    )


# -- generated batches ------------------------------------------------------------------------

_PIECES = [
    "Jane.Doe@Example.COM", "jane.doe@example.com", " a b@x.org\t", "\x1cx@Y.io\x1f",
    "ｊａｎｅ@ｅｘａｍｐｌｅ.com", "jаne@example.com",  # full-width; a Cyrillic а
    "+1 415 555 0132", "+1-415-555-0132", "+1.015.555.0132", "+1 155 555 0132",
    "+14155550132", "(415) 555-0132", "+44 20 7946 0958", "+33 1 42 68 53 00",
    "+1 415 555 0132 ext. 12", "+1 (415) 555-0132", " +1 415 555 0132", "+1 415 555 0132\n",
    "+12", "+", "phone", "+1 4I5 555 0132", "１２３ ４５６ ７８９０",
    "4111-1111-1111-1111", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "---",
    "078-05-1120", "Ａ１２３", "é", "Zoë  Müller", "  MARY\u00a0Major ", "10.0.0.1", "::1",
    "", "x", "  ", "\n", "日本語 テキスト", "emoji 🎉 here",
]  # fmt: skip
_ENTITIES = [
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NHS",
    "US_PASSPORT", "PERSON", "IP_ADDRESS", "DATE_TIME", "ZIP_CODE", "US_BANK_NUMBER",
]  # fmt: skip

_cells = st.one_of(
    st.none(),
    st.lists(st.sampled_from(_PIECES), max_size=4).map(" ; ".join),
    st.text(max_size=30),
)


@st.composite
def _batches(draw: st.DrawFn) -> tuple[pa.Table, pa.Table]:
    size = draw(st.integers(1, 6))
    ids = [f"r{draw(st.integers(0, size))}" for _ in range(size)]  # ids may repeat
    body = [draw(_cells) for _ in range(size)]
    note = [draw(_cells) for _ in range(size)]
    texts = pa.table({"record_id": ids, "body": body, "note": note})
    findings = []
    for _ in range(draw(st.integers(0, 12))):
        row = draw(st.integers(0, size - 1))
        column = draw(st.sampled_from(["body", "note"]))
        text = texts[column][row].as_py() or ""
        start = draw(st.integers(0, len(text) + 2))
        end = draw(st.integers(0, len(text) + 3))
        declared = draw(st.booleans())
        findings.append({
            "record_id": ids[row], "column": column, "start": start, "end": end,
            "entity_type": draw(st.sampled_from(_ENTITIES)), "score": 1.0,
            "detector": DECLARED_DETECTOR if declared else "pattern",
        })  # fmt: skip
    schema = pa.schema(
        [("record_id", pa.string()), ("column", pa.string()), ("start", pa.int32()),
         ("end", pa.int32()), ("entity_type", pa.string()), ("score", pa.float32()),
         ("detector", pa.string())]
    )  # fmt: skip
    return texts, pa.Table.from_pylist(findings, schema=schema)


@settings(max_examples=300, deadline=None)
@given(_batches())
def test_when_rows_are_built_then_they_are_the_references_rows(
    batch: tuple[pa.Table, pa.Table],
) -> None:
    texts, findings = batch
    got = subject_index.index_rows(texts, findings, KEY, "p")
    assert got.equals(_reference_rows(texts, findings, "p"))


def test_when_values_are_planted_in_long_texts_then_the_rows_are_the_references_rows() -> None:
    rng = random.Random(7)
    body, rows = [], []
    for i in range(300):
        words = [rng.choice([*_PIECES, "lorem", "ipsum", "Ünïcode"]) for _ in range(8)]
        text = " ".join(words)
        body.append(text)
        at = 0
        for word in words:
            at = text.index(word, at)
            entity = rng.choice(_ENTITIES)
            rows.append((f"id{i}", "body", at, at + len(word), entity))
            at += len(word)
    texts = pa.table({"record_id": [f"id{i}" for i in range(300)], "body": body})
    findings = pa.table({
        "record_id": [r[0] for r in rows], "column": [r[1] for r in rows],
        "start": pa.array([r[2] for r in rows], pa.int32()),
        "end": pa.array([r[3] for r in rows], pa.int32()),
        "entity_type": [r[4] for r in rows], "score": pa.array([1.0] * len(rows), pa.float32()),
        "detector": ["pattern"] * len(rows),
    })  # fmt: skip
    got = subject_index.index_rows(texts, findings, KEY, "day")
    assert got.num_rows > 0
    assert got.equals(_reference_rows(texts, findings, "day"))


# -- the pieces -------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(list("0123456789 .-")), max_size=18).map("".join),
    st.sampled_from(["+", "+1", "+1 ", "+1-", "+1."]),
)
def test_when_a_plus_number_is_read_then_its_keys_are_phonenumbers_keys(
    tail: str, head: str
) -> None:
    text = head + tail
    assert subject_index._phone_keys(text) == _reference_phone_keys(text)


def test_when_north_american_numbers_are_read_then_their_keys_are_phonenumbers_keys() -> None:
    rng = random.Random(11)
    for prefix in range(1000):  # every area-code prefix, a leading 0 or 1 included
        number = f"{prefix:03d}{rng.randrange(10**7):07d}"
        for text in (f"+1{number}", f"+1 {number[:3]} {number[3:6]} {number[6:]}",
                     f"+1-{number[:3]}-{number[3:6]}-{number[6:]}"):  # fmt: skip
            assert subject_index._phone_keys(text) == _reference_phone_keys(text), text


def test_when_ascii_whitespace_is_listed_then_it_is_pythons() -> None:
    listed = subject_index._ASCII_SPACE
    assert all(f"\\x{i:02x}" in listed for i in range(128) if chr(i).isspace())
    assert listed.count("\\x") == sum(chr(i).isspace() for i in range(128))


@pytest.mark.parametrize("large", [False, True])
def test_when_cells_are_sliced_then_they_are_pythons_slices(large: bool) -> None:
    cells = ["héllo wörld", "plain ascii", None, "", "日本語テキスト", "🎉x🎉"]
    column = pa.array(cells, pa.large_string() if large else pa.string()).slice(0)
    import numpy as np

    rows = np.array([0, 0, 1, 2, 3, 4, 5, 5, 1], dtype=np.int64)
    starts = np.array([1, 6, 0, 0, 0, 2, 1, 0, 50], dtype=np.int64)
    ends = np.array([4, 11, 40, 3, 1, 5, 2, 9, 60], dtype=np.int64)
    whole = np.array([False, False, False, False, False, False, False, True, False])
    sliced, filled = cell_slices(column, rows, starts, ends, whole)
    expected = [
        (cells[r] if w else cells[r][s:e]) if cells[r] else ""
        for r, s, e, w in zip(rows, starts, ends, whole, strict=True)
    ]
    assert sliced.to_pylist() == expected
    assert filled.tolist() == [bool(cells[r]) for r in rows]
