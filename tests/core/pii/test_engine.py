"""Tests of vault_core.pii.engine: detectors, tables, long and odd texts, offline behaviour."""

from __future__ import annotations

import gc
import itertools
import logging
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from faker import Faker
from pydantic import ValidationError

from vault_core.pii import (
    DECLARED_DETECTOR,
    FINDINGS_SCHEMA,
    NER_DETECTOR,
    ColumnNotFoundError,
    Finding,
    PiiEngine,
    PiiEngineConfig,
    PiiError,
    UnsupportedEntityError,
)
from vault_core.pii.gazetteer import GAZETTEER_DETECTOR
from vault_core.pii.hits import Hits
from vault_core.pii.offline import split_for_nlp

PLANTED_EMAIL = "zed.planted-7@example.org"


class NetworkUsedError(AssertionError):
    """Raised by the socket guard: something tried to reach the network."""


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Fail any test of this module that tries to open a connection or resolve a name."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise NetworkUsedError("network access attempted during PII detection")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        yield


@pytest.fixture(scope="module")
def patterns_engine(no_network: None) -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    return engine


@pytest.fixture(scope="module")
def full_engine(no_network: None) -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="full"))
    engine.load()
    return engine


def found(engine: PiiEngine, text: str) -> set[tuple[str, str]]:
    return {(f.entity_type, text[f.start : f.end]) for f in engine.detect(text)}


# -- pattern entities: true and false positives ------------------------------------------

TRUE_POSITIVES = [
    ("EMAIL_ADDRESS", "Write to jane.doe@example.com today.", "jane.doe@example.com"),
    ("EMAIL_ADDRESS", "contact: ops+alerts@mail.example.co.uk", "ops+alerts@mail.example.co.uk"),
    ("PHONE_NUMBER", "Reach me on (212) 555-0143 after lunch.", "(212) 555-0143"),
    ("PHONE_NUMBER", "Our London desk: +44 20 7946 0958.", "+44 20 7946 0958"),
    ("PHONE_NUMBER", "my mobile is 6114980364", "6114980364"),
    ("CREDIT_CARD", "Charged to 4111 1111 1111 1111 twice.", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "card 5500-0000-0000-0004 declined", "5500-0000-0000-0004"),
    ("US_SSN", "my ssn is 536-22-8745", "536-22-8745"),
    ("IBAN_CODE", "Refund to IBAN DE89370400440532013000 please.", "DE89370400440532013000"),
    ("IBAN_CODE", "iban GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("IP_ADDRESS", "login from 192.168.10.24 failed", "192.168.10.24"),
    ("IP_ADDRESS", "v6 peer 2001:db8:85a3::8a2e:370:7334 dropped", "2001:db8:85a3::8a2e:370:7334"),
    (
        "URL",
        "See https://help.example.com/reset?id=7 for steps.",
        "https://help.example.com/reset?id=7",
    ),
]


@pytest.mark.parametrize(("entity", "text", "value"), TRUE_POSITIVES)
def test_when_pattern_entity_present_then_reported(
    patterns_engine: PiiEngine, entity: str, text: str, value: str
) -> None:
    assert (entity, value) in found(patterns_engine, text)


FALSE_POSITIVES = [
    ("CREDIT_CARD", "Charged to 4111 1111 1111 1112 twice."),  # fails Luhn
    ("CREDIT_CARD", "order 1234 5678 9012 3456 shipped"),  # fails Luhn
    ("US_SSN", "my ssn is 078-05-1120"),  # the famous invalid specimen
    ("US_SSN", "code 000-12-3456"),
    ("IBAN_CODE", "Refund to IBAN DE89370400440532013001 please."),  # bad checksum
    ("IP_ADDRESS", "version 10.0.0.256 of the firmware"),
    ("EMAIL_ADDRESS", "reply @ the desk, not by mail"),
    ("PHONE_NUMBER", "ref 6114980364"),  # bare digits, no phone context word
    ("PHONE_NUMBER", "Order 48213-99812 shipped."),
    ("URL", "Write to jane.doe@example.com today."),  # an email's domain is not a URL
    ("URL", "reply to support@help.example.org"),
    ("DATE_TIME", "Charged to 4111-1111-1111-1111 twice."),  # digit groups are not dates
]


@pytest.mark.parametrize(("entity", "text"), FALSE_POSITIVES)
def test_when_lookalike_present_then_not_reported(
    patterns_engine: PiiEngine, entity: str, text: str
) -> None:
    assert entity not in {entity_type for entity_type, _ in found(patterns_engine, text)}


def test_when_email_contains_domain_then_url_not_reported_in_full_mode(
    full_engine: PiiEngine,
) -> None:
    text = "Customer wrote from maria.lopez@shop-example.com about her order."
    types = {f.entity_type for f in full_engine.detect(text)}
    assert "EMAIL_ADDRESS" in types
    assert "URL" not in types


def test_when_context_word_precedes_digits_then_phone_found_thanks_to_token_lemmas(
    patterns_engine: PiiEngine,
) -> None:
    # Context boosting needs lemmas; the engine gives Presidio lower-cased tokens instead.
    assert ("PHONE_NUMBER", "6114980364") in found(patterns_engine, "Phone: 6114980364")
    assert ("PHONE_NUMBER", "6114980364") not in found(patterns_engine, "Item: 6114980364")


# -- NER entities ------------------------------------------------------------------------

NER_TRUE_POSITIVES = [
    ("PERSON", "My name is John Smith and I live in Berlin.", "John Smith"),
    ("PERSON", "Please ask Maria Garcia about the refund.", "Maria Garcia"),
    ("LOCATION", "My name is John Smith and I live in Berlin.", "Berlin"),
    ("LOCATION", "She flew from London to New York on Monday.", "New York"),
    ("ORGANIZATION", "I work at Microsoft and my manager is Sarah Connor.", "Microsoft"),
    ("ORGANIZATION", "Acme Corporation charged my account twice.", "Acme Corporation"),
    ("NRP", "He is American and she is French.", "French"),
]


@pytest.mark.parametrize(("entity", "text", "value"), NER_TRUE_POSITIVES)
def test_when_named_entity_present_then_reported_by_ner(
    full_engine: PiiEngine, entity: str, text: str, value: str
) -> None:
    findings = full_engine.detect(text)
    matching = [f for f in findings if (f.entity_type, text[f.start : f.end]) == (entity, value)]
    assert matching, f"{entity} not found"
    # Place names come from the NER or, beside it in full mode, from the gazetteer.
    expected = {NER_DETECTOR, GAZETTEER_DETECTOR} if entity == "LOCATION" else {NER_DETECTOR}
    assert matching[0].detector in expected


NER_FALSE_POSITIVES = [
    "The printer is broken again and nobody fixed it.",
    "Please reset my password, the login page shows an error.",
    "Thanks for your help!",
    "Send the SSN and IBAN details.",  # labels, not organizations
]


@pytest.mark.parametrize("text", NER_FALSE_POSITIVES)
def test_when_no_name_present_then_no_name_reported(full_engine: PiiEngine, text: str) -> None:
    names = {"PERSON", "ORGANIZATION", "LOCATION", "NRP"}
    assert not [f for f in full_engine.detect(text) if f.entity_type in names]


def test_when_patterns_mode_then_no_ner_and_no_model(patterns_engine: PiiEngine) -> None:
    text = "My name is John Smith and I live in Berlin, email john@example.com"
    assert {f.entity_type for f in patterns_engine.detect(text)} == {"EMAIL_ADDRESS"}
    assert "PERSON" not in patterns_engine.supported_entities
    assert patterns_engine._ner._nlp is None  # no spaCy model was loaded


def test_when_full_mode_then_only_ner_component_runs(full_engine: PiiEngine) -> None:
    assert full_engine._ner.nlp().pipe_names == ["ner"]
    supported = set(full_engine.supported_entities)
    assert {"PERSON", "ORGANIZATION", "LOCATION", "NRP", "EMAIL_ADDRESS"} <= supported


# -- configuration -----------------------------------------------------------------------


def test_when_entities_restricted_then_only_those_reported() -> None:
    engine = PiiEngine(PiiEngineConfig(mode="patterns", entities=["EMAIL_ADDRESS"]))
    text = "jane@example.com, card 4111 1111 1111 1111, ip 192.168.1.1"
    assert {f.entity_type for f in engine.detect(text)} == {"EMAIL_ADDRESS"}
    assert engine.entities == ["EMAIL_ADDRESS"]


def test_when_ner_entity_requested_in_patterns_mode_then_error() -> None:
    engine = PiiEngine(PiiEngineConfig(mode="patterns", entities=["PERSON", "EMAIL_ADDRESS"]))
    with pytest.raises(UnsupportedEntityError) as caught:
        engine.detect("anything")
    assert caught.value.entities == ["PERSON"]
    assert isinstance(caught.value, PiiError)
    assert "EMAIL_ADDRESS" in engine.supported_entities  # still answers


@pytest.mark.parametrize(
    "kwargs",
    [{"entities": ["email"]}, {"score_threshold": 1.5}, {"batch_size": 0}, {"mode": "fast"}],
)
def test_when_config_invalid_then_validation_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PiiEngineConfig(**kwargs)


def test_when_package_imported_then_presidio_and_spacy_are_not() -> None:
    code = (
        "import sys, vault_core.pii; "
        "heavy = {'presidio_analyzer', 'spacy', 'thinc', 'tldextract'} & set(sys.modules); "
        "sys.exit(sorted(heavy) or 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_when_engine_built_then_nothing_heavy_loaded_yet() -> None:
    engine = PiiEngine(PiiEngineConfig(spacy_model="not_an_installed_model"))
    assert engine._ner._nlp is None


def test_when_threshold_high_then_weaker_findings_dropped() -> None:
    engine = PiiEngine(PiiEngineConfig(mode="patterns", score_threshold=0.9))
    text = "mail jane@example.com, see https://example.com/x"
    assert {f.entity_type for f in engine.detect(text)} == {"EMAIL_ADDRESS"}


# -- batches -------------------------------------------------------------------------------


def test_when_batch_has_duplicates_and_blanks_then_results_align(
    patterns_engine: PiiEngine,
) -> None:
    texts: list[Any] = ["a@example.com", None, "", "  ", "a@example.com", 42, "b@example.org"]
    results = patterns_engine.detect_batch(texts)
    assert len(results) == len(texts)
    assert [len(r) for r in results] == [1, 0, 0, 0, 1, 0, 1]
    assert results[0] == results[4]
    assert results[0] is not results[4]


def test_when_ner_runs_on_two_processes_then_findings_equal_one_process(
    full_engine: PiiEngine,
) -> None:
    fake = Faker(["en_US", "de_DE"])
    fake.seed_instance(2024)
    # Enough distinct pieces for the NER to fork its workers (see ner._MIN_UNITS_PER_PROCESS).
    texts = [
        f"{fake.name()} of {fake.company()} wrote from {fake.city()}: call {fake.first_name()}."
        for _ in range(300)
    ]
    two = PiiEngine(PiiEngineConfig(mode="full", n_process=2))
    found = two.detect_batch(texts)
    assert found == full_engine.detect_batch(texts)
    assert sum(f.entity_type == "PERSON" for fs in found for f in fs) > 300


def test_when_texts_repeat_then_each_distinct_text_analysed_once(
    patterns_engine: PiiEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[str] = []
    original = patterns_engine._scan

    def counting(groups: list[tuple[list[str], str]], joined: list[str]) -> Hits:
        for texts, _ in groups:
            analysed.extend(texts)
        return original(groups, joined)

    monkeypatch.setattr(patterns_engine, "_scan", counting)
    texts = ["a@example.com", "b@example.com"] * 50 + [None, "a@example.com"]
    results = patterns_engine.detect_batch(texts)
    assert sorted(analysed) == ["a@example.com", "b@example.com"]
    assert all(len(found) == 1 for found in results[:100])


def test_when_batch_given_as_generator_then_same_as_single_calls(
    patterns_engine: PiiEngine,
) -> None:
    texts = [f"user{i}@example.com called 192.168.0.{i}" for i in range(20)]
    batched = patterns_engine.detect_batch(t for t in texts)
    assert batched == [patterns_engine.detect(t) for t in texts]


def test_findings_are_disjoint_and_sorted(full_engine: PiiEngine) -> None:
    fake = Faker("en_US")
    fake.seed_instance(11)
    texts = [
        f"{fake.name()} ({fake.email()}) paid with {fake.credit_card_number()} on "
        f"{fake.date()} from {fake.ipv4()} in {fake.city()}, phone {fake.phone_number()}."
        for _ in range(40)
    ]
    for text, findings in zip(texts, full_engine.detect_batch(texts), strict=True):
        for first, second in itertools.pairwise(findings):
            assert first.end <= second.start
        for finding in findings:
            assert 0 <= finding.start < finding.end <= len(text)


# -- long and odd texts --------------------------------------------------------------------


def _filler(words: int, seed: int) -> str:
    rng = random.Random(seed)
    vocabulary = [
        "the",
        "order",
        "never",
        "arrived",
        "and",
        "support",
        "did",
        "not",
        "answer",
        "my",
        "ticket",
        "again",
    ]
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def test_when_text_over_a_million_chars_then_chunked_with_correct_offsets(
    patterns_engine: PiiEngine,
) -> None:
    text = f"{_filler(230_000, 1)} mail {PLANTED_EMAIL} soon {_filler(400, 2)}"
    assert len(text) > 1_000_000
    findings = patterns_engine.detect(text)
    emails = [f for f in findings if f.entity_type == "EMAIL_ADDRESS"]
    assert len(emails) == 1
    assert text[emails[0].start : emails[0].end] == PLANTED_EMAIL
    assert emails[0].start > 990_000


def test_when_full_mode_text_is_chunked_then_offsets_still_point_at_values() -> None:
    engine = PiiEngine(PiiEngineConfig(mode="full", max_chunk_chars=1_000))
    parts = []
    for index in range(12):
        parts.append(_filler(120, index))
        parts.append(f"John Smith wrote from user{index}@example.com.")
    text = "\n".join(parts)
    assert len(split_for_nlp(text, 1_000)) > 8
    findings = engine.detect(text)
    emails = [text[f.start : f.end] for f in findings if f.entity_type == "EMAIL_ADDRESS"]
    assert emails == [f"user{index}@example.com" for index in range(12)]
    people = [text[f.start : f.end] for f in findings if f.entity_type == "PERSON"]
    assert people
    assert set(people) == {"John Smith"}


@pytest.mark.parametrize(
    "text",
    [
        "call \ud800 me at jane@example.com \udfff end",
        "\udc80" * 5 + "jane@example.com",
        "Привет, 我叫李雷, مرحبا jane@example.com 😀👍🏽 Zoë in Zürich",
        "😀😀😀 jane@example.com",
        "a\x00b jane@example.com\x00",
        "e\u0301\u0301\u0301 jane@example.com",
    ],
)
@pytest.mark.parametrize("engine_name", ["patterns_engine", "full_engine"])
def test_when_text_has_surrogates_or_mixed_scripts_then_offsets_index_original(
    request: pytest.FixtureRequest, engine_name: str, text: str
) -> None:
    engine: PiiEngine = request.getfixturevalue(engine_name)
    findings = engine.detect(text)
    emails = [text[f.start : f.end] for f in findings if f.entity_type == "EMAIL_ADDRESS"]
    assert emails == ["jane@example.com"]


def test_when_text_has_many_findings_then_no_quadratic_blowup(
    patterns_engine: PiiEngine,
) -> None:
    # 20k MAC addresses: Presidio's context enhancer scanned every token per finding.
    text = " ".join(f"02:00:5e:{i >> 8 & 255:02x}:{i & 255:02x}:1a" for i in range(20_000))
    began = time.perf_counter()
    findings = patterns_engine.detect(text)
    assert time.perf_counter() - began < 10
    assert len(findings) == 20_000
    assert all(f.entity_type == "MAC_ADDRESS" for f in findings)


# -- tables --------------------------------------------------------------------------------


@pytest.fixture
def tickets() -> pa.Table:
    return pa.table(
        {
            "record_id": ["r1", "r2", "r3", "r4", "r5"],
            "body": [
                "Please email me at jane.doe@example.com",
                None,
                "",
                "card 4111 1111 1111 1111 was charged, ip 10.1.2.3",
                "nothing to see here",
            ],
            "email": ["jane.doe@example.com", "", None, "  ", "x@example.org"],
            "full_name": ["Jane Doe", "Ann Lee", None, "Bob Roe", ""],
            "score": [1, 2, 3, 4, 5],
        }
    )


def test_when_table_scanned_then_findings_follow_schema_and_row_order(
    patterns_engine: PiiEngine, tickets: pa.Table
) -> None:
    findings = patterns_engine.detect_table(
        tickets,
        text_columns=["body"],
        entity_columns={"email": "EMAIL_ADDRESS", "full_name": "PERSON"},
    )
    assert findings.schema == FINDINGS_SCHEMA
    rows = findings.to_pylist()
    keys = [(r["record_id"], r["column"], r["entity_type"], r["detector"]) for r in rows]
    assert keys == [
        ("r1", "body", "EMAIL_ADDRESS", "vault:Email"),
        ("r1", "email", "EMAIL_ADDRESS", DECLARED_DETECTOR),
        ("r1", "full_name", "PERSON", DECLARED_DETECTOR),
        ("r2", "full_name", "PERSON", DECLARED_DETECTOR),
        ("r4", "body", "CREDIT_CARD", "vault:CardNumber"),
        ("r4", "body", "IP_ADDRESS", "vault:IPv4"),
        ("r4", "full_name", "PERSON", DECLARED_DETECTOR),
        ("r5", "email", "EMAIL_ADDRESS", DECLARED_DETECTOR),
    ]
    declared = [r for r in rows if r["detector"] == DECLARED_DETECTOR]
    assert all(r["start"] == 0 and r["score"] == 1.0 for r in declared)
    assert [r["end"] for r in declared] == [20, 8, 7, 7, 13]
    body = tickets.column("body").to_pylist()
    for row in rows:
        if row["column"] == "body":
            index = int(row["record_id"][1:]) - 1
            value = body[index][row["start"] : row["end"]]
            assert value in {"jane.doe@example.com", "4111 1111 1111 1111", "10.1.2.3"}


def test_when_table_scanned_then_same_findings_as_list_api(patterns_engine: PiiEngine) -> None:
    # detect_table scans the column's Arrow strings; detect_batch Python strings.
    words = [
        "jane@example.com",
        "4111 1111 1111 1111",
        "é中",
        "\x01",
        "ssn 536-22-8745",
        "x",
        "(212) 555-0143",
        "GB82 WEST 1234 5698 7654 32",
        "12 Elm Street",
        "zip 62704",
    ]
    rng = random.Random(3)
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 400))) for _ in range(60)]
    texts += ["", "jane@example.com", None]  # type: ignore[list-item]
    table = pa.table(
        {"record_id": [f"r{i}" for i in range(len(texts))], "body": pa.chunked_array(
            [pa.array(texts[:30]), pa.array(texts[30:])])}
    )  # fmt: skip
    rows = patterns_engine.detect_table(table, text_columns=["body"]).to_pylist()
    by_row: dict[int, list[tuple[int, int, str, str]]] = {i: [] for i in range(len(texts))}
    for row in rows:
        by_row[int(row["record_id"][1:])].append(
            (row["start"], row["end"], row["entity_type"], row["detector"])
        )
    listed = patterns_engine.detect_batch(texts, hint="body")
    assert sum(map(len, listed)) > 1000
    for index, findings in enumerate(listed):
        assert by_row[index] == [(f.start, f.end, f.entity_type, f.detector) for f in findings]


def test_when_text_column_is_not_text_then_no_findings_and_no_crash(
    patterns_engine: PiiEngine, tickets: pa.Table
) -> None:
    findings = patterns_engine.detect_table(tickets, text_columns=["score"])
    assert findings.num_rows == 0
    assert findings.schema == FINDINGS_SCHEMA


def test_when_table_empty_then_empty_findings(patterns_engine: PiiEngine) -> None:
    table = pa.table({"record_id": pa.array([], pa.string()), "body": pa.array([], pa.string())})
    findings = patterns_engine.detect_table(table, text_columns=["body"])
    assert findings.num_rows == 0
    assert findings.schema == FINDINGS_SCHEMA


def test_when_columns_are_dictionary_or_large_string_then_scanned(
    patterns_engine: PiiEngine,
) -> None:
    table = pa.table(
        {
            "record_id": pa.array([1, 2], pa.int64()),
            "body": pa.array(["a@example.com", "b@example.com"]).dictionary_encode(),
            "notes": pa.array(["ip 10.0.0.1", None], pa.large_string()),
        }
    )
    findings = patterns_engine.detect_table(table, text_columns=["body", "notes"])
    assert findings.column("record_id").to_pylist() == ["1", "1", "2"]
    assert findings.column("entity_type").to_pylist() == [
        "EMAIL_ADDRESS",
        "IP_ADDRESS",
        "EMAIL_ADDRESS",
    ]


def test_when_column_missing_then_column_not_found(
    patterns_engine: PiiEngine, tickets: pa.Table
) -> None:
    with pytest.raises(ColumnNotFoundError) as caught:
        patterns_engine.detect_table(tickets, text_columns=["nope"])
    assert caught.value.column == "nope"
    with pytest.raises(ColumnNotFoundError):
        patterns_engine.detect_table(tickets, text_columns=["body"], id_column="id")


def test_when_record_id_null_then_error(patterns_engine: PiiEngine) -> None:
    table = pa.table({"record_id": ["a", None], "body": ["x@example.com", "y"]})
    with pytest.raises(PiiError, match="null"):
        patterns_engine.detect_table(table, text_columns=["body"])


def test_when_declared_entity_type_malformed_then_error(
    patterns_engine: PiiEngine, tickets: pa.Table
) -> None:
    with pytest.raises(UnsupportedEntityError):
        patterns_engine.detect_table(tickets, text_columns=[], entity_columns={"email": "email"})


# -- privacy -------------------------------------------------------------------------------


def test_when_detecting_then_no_value_reaches_the_logs(
    caplog: pytest.LogCaptureFixture, patterns_engine: PiiEngine
) -> None:
    secret_local = "kestrel.unique"
    text = (
        f"email {secret_local}@example.com, IBAN GB82WEST12345698765433, "
        "credit card 4111 1111 1111 1111, phone (212) 555-0143"
    )
    with caplog.at_level(logging.DEBUG):
        patterns_engine.detect(text)
        # Presidio, if it shares the process, is quietened by the engine too.
        logging.getLogger("presidio-analyzer").debug("Context list is: %s", secret_local)
    assert secret_local not in caplog.text
    assert "GB82WEST" not in caplog.text
    assert "4111" not in caplog.text


def test_finding_type_is_the_public_dataclass(patterns_engine: PiiEngine) -> None:
    (finding,) = patterns_engine.detect("jane@example.com")
    assert finding == Finding(0, 16, "EMAIL_ADDRESS", 1.0, "vault:Email")


def test_when_ner_runs_on_two_processes_then_same_findings_as_on_one(no_network: None) -> None:
    faker = Faker()
    faker.seed_instance(7)
    texts = [
        f"yesterday {faker.name()} moved to {faker.city()} and joined {faker.company()}."
        for _ in range(300)
    ]
    one = PiiEngine(PiiEngineConfig(mode="full", batch_size=32)).detect_batch(texts)
    two = PiiEngine(PiiEngineConfig(mode="full", batch_size=32, n_process=2)).detect_batch(texts)
    assert two == one
    assert sum(f.detector == NER_DETECTOR for found in two for f in found) > 300


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("GB82 WEST 1234 5698 7654 32", False),  # capitals only inside a pattern finding
        ("My SSN is 536-22-8745 and I paid.", False),  # function and label words only
        ("Thanks, the printer works.", False),
        ("Wilsonberg", True),
        ("My name is Sarah Connor.", True),
        ("Shipped to 42 Elm Street, then Jane Doe signed for it.", True),
    ],
)
def test_when_capitals_are_covered_or_common_then_piece_skips_ner(
    patterns_engine: PiiEngine, full_engine: PiiEngine, text: str, sent: bool
) -> None:
    raw = [list(patterns_engine.detect(text))]
    assert bool(full_engine._ner.units([text], raw)) is sent


def test_when_a_full_engine_loads_then_the_collector_no_longer_walks_its_models() -> None:
    gc.unfreeze()
    try:
        PiiEngine(PiiEngineConfig(mode="patterns")).load()
        assert gc.get_freeze_count() == 0  # nothing heavy loaded: nothing frozen
        PiiEngine(PiiEngineConfig(mode="full")).load()
        # spaCy's vocabulary and network, the gazetteer and the name lists among them.
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
