"""Tests of the deterministic synthetic landing corpus generator."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import fsspec
import pytest

from vault_core.exceptions import ConfigurationError
from vault_demo.synthetic import (
    CUSTOMER_COLUMNS,
    DEMO_DATASETS,
    TICKET_KEYS,
    CorpusSummary,
    generate_corpus,
)

SMALL = {"tickets": 400, "customers": 300}
TICKET_FILES = (
    "tickets/2026-11-30/tickets-0001.jsonl",
    "tickets/2026-12-01/tickets-0002.jsonl",
)
CUSTOMER_FILE = "customers/customers.csv"
ALL_FILES = (*TICKET_FILES, CUSTOMER_FILE)

CARD_CANDIDATE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def has_luhn_card(text: str) -> bool:
    return any(luhn_valid(re.sub(r"\D", "", m)) for m in CARD_CANDIDATE.findall(text))


def classify_ticket_line(line: str) -> str:
    """Return 'ok' or the kind of damage, judged only with the stdlib."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return "truncated_json"
    if isinstance(value, list):
        return "json_array"
    assert isinstance(value, dict)
    if "body" not in value:
        return "missing_body"
    assert tuple(value) == TICKET_KEYS
    assert isinstance(value["ticket_id"], str)
    assert datetime.fromisoformat(value["created_at"]).tzinfo is not None
    assert value["channel"] in {"email", "chat", "phone"}
    assert isinstance(value["subject"], str)
    assert isinstance(value["body"], str)
    assert value["body"]
    assert value["priority"] in {1, 2, 3, 4}
    return "ok"


def classify_customer_row(row: list[str]) -> str:
    if len(row) < len(CUSTOMER_COLUMNS):
        return "too_few_fields"
    if len(row) > len(CUSTOMER_COLUMNS):
        return "too_many_fields"
    record = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
    if not record["customer_id"]:
        return "empty_customer_id"
    assert "@" in record["email"]
    assert luhn_valid(record["credit_card"])
    date.fromisoformat(record["birth_date"])
    date.fromisoformat(record["signup_date"])
    return "ok"


def duplicates_in(items: list[str]) -> int:
    return len(items) - len(set(items))


def read_tree(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    return {name: fs.cat_file(f"{root}/{name}") for name in ALL_FILES}


@pytest.fixture
def memory_url() -> Iterator[Any]:
    """Hand out unique memory:// folders and remove them afterwards."""
    made: list[str] = []

    def make() -> str:
        url = f"memory://synthetic-{uuid.uuid4().hex}"
        made.append(url)
        return url

    yield make
    fs = fsspec.filesystem("memory")
    for url in made:
        if fs.exists(url):
            fs.rm(url, recursive=True)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CorpusSummary]:
    dest = tmp_path_factory.mktemp("corpus")
    return dest, generate_corpus(str(dest), **SMALL)


def test_demo_datasets_names_the_folders_written(
    small_corpus: tuple[Path, CorpusSummary],
) -> None:
    dest, summary = small_corpus
    assert DEMO_DATASETS == ("tickets", "customers")
    assert sorted(p.name for p in dest.iterdir()) == sorted(DEMO_DATASETS)
    assert summary.files == [f"{dest}/{name}" for name in ALL_FILES]
    assert set(summary.rows) == set(summary.malformed) == set(summary.duplicates)
    assert set(summary.rows) == set(DEMO_DATASETS)


def test_when_same_seed_then_files_are_byte_identical(memory_url: Any) -> None:
    first, second = memory_url(), memory_url()
    summary_1 = generate_corpus(first, seed=7, **SMALL)
    summary_2 = generate_corpus(second, seed=7, **SMALL)
    assert read_tree(first) == read_tree(second)
    assert summary_1.rows == summary_2.rows
    assert summary_1.malformed == summary_2.malformed


def test_when_seed_differs_then_data_differs(memory_url: Any) -> None:
    first, second = memory_url(), memory_url()
    generate_corpus(first, seed=1, **SMALL)
    generate_corpus(second, seed=2, **SMALL)
    tree_1, tree_2 = read_tree(first), read_tree(second)
    for name in ALL_FILES:
        assert tree_1[name] != tree_2[name]
    rows_1 = set(tree_1[CUSTOMER_FILE].decode().splitlines()[1:])
    rows_2 = set(tree_2[CUSTOMER_FILE].decode().splitlines()[1:])
    assert len(rows_1 & rows_2) == 0


def test_when_tickets_resized_then_customers_unchanged(memory_url: Any) -> None:
    first, second = memory_url(), memory_url()
    generate_corpus(first, tickets=100, customers=50)
    generate_corpus(second, tickets=200, customers=50)
    assert read_tree(first)[CUSTOMER_FILE] == read_tree(second)[CUSTOMER_FILE]


def test_when_run_twice_then_files_are_not_rewritten(tmp_path: Path) -> None:
    summary_1 = generate_corpus(str(tmp_path), **SMALL)
    paths = [tmp_path / name for name in ALL_FILES]
    mtimes = [p.stat().st_mtime_ns for p in paths]
    time.sleep(0.01)
    summary_2 = generate_corpus(str(tmp_path), **SMALL)
    assert [p.stat().st_mtime_ns for p in paths] == mtimes
    assert summary_1 == summary_2


def test_when_file_differs_then_it_is_overwritten(tmp_path: Path) -> None:
    generate_corpus(str(tmp_path), **SMALL)
    target = tmp_path / CUSTOMER_FILE
    expected = target.read_bytes()
    target.write_bytes(expected.replace(b"CUST-000001", b"CUST-999999"))  # same size
    generate_corpus(str(tmp_path), **SMALL)
    assert target.read_bytes() == expected


def test_file_url_is_accepted(tmp_path: Path) -> None:
    url = tmp_path.as_uri()
    summary = generate_corpus(url, tickets=40, customers=30)
    assert summary.files[0] == f"{url}/{TICKET_FILES[0]}"
    assert (tmp_path / CUSTOMER_FILE).is_file()


def test_ticket_counts_match_files(small_corpus: tuple[Path, CorpusSummary]) -> None:
    dest, summary = small_corpus
    per_file = [(dest / name).read_text(encoding="utf-8").splitlines() for name in TICKET_FILES]
    lines = [line for file_lines in per_file for line in file_lines]
    kinds = [classify_ticket_line(line) for line in lines]

    assert len(lines) == summary.rows["tickets"] == SMALL["tickets"]
    assert abs(len(per_file[0]) - len(per_file[1])) <= 1
    assert sum(kind != "ok" for kind in kinds) == summary.malformed["tickets"] >= 3
    assert {"truncated_json", "json_array", "missing_body"} <= set(kinds)
    assert duplicates_in(lines) == summary.duplicates["tickets"] >= 2
    ids = [
        json.loads(line)["ticket_id"]
        for line, kind in zip(lines, kinds, strict=True)
        if kind in {"ok", "missing_body"}
    ]
    assert duplicates_in(ids) == summary.duplicates["tickets"]


def test_customer_counts_match_file(small_corpus: tuple[Path, CorpusSummary]) -> None:
    dest, summary = small_corpus
    text = (dest / CUSTOMER_FILE).read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    kinds = [classify_customer_row(row) for row in rows]

    assert tuple(header) == CUSTOMER_COLUMNS
    assert len(rows) == len(text.splitlines()) - 1 == summary.rows["customers"]
    assert sum(kind != "ok" for kind in kinds) == summary.malformed["customers"] >= 3
    assert {"too_few_fields", "too_many_fields", "empty_customer_id"} <= set(kinds)
    assert duplicates_in([",".join(row) for row in rows]) == summary.duplicates["customers"] >= 2
    assert any(any(c in row[-1] for c in ',"') for row in rows if len(row) == 11)


def test_ticket_bodies_are_rich_in_pii(small_corpus: tuple[Path, CorpusSummary]) -> None:
    dest, _ = small_corpus
    bodies = [
        record["body"]
        for name in TICKET_FILES
        for line in (dest / name).read_text(encoding="utf-8").splitlines()
        if classify_ticket_line(line) == "ok"
        for record in [json.loads(line)]
    ]
    with_card = sum(has_luhn_card(body) for body in bodies) / len(bodies)
    with_email = sum(bool(EMAIL.search(body)) for body in bodies) / len(bodies)
    without_pii = sum(not re.search(r"\d|@", body) for body in bodies) / len(bodies)
    assert with_card > 0.3
    assert with_email > 0.3
    assert without_pii > 0.03


def test_default_sizes_are_fast_and_about_half_a_percent_malformed(memory_url: Any) -> None:
    started = time.perf_counter()
    summary = generate_corpus(memory_url())
    elapsed = time.perf_counter() - started
    assert summary.rows == {"tickets": 3000, "customers": 2500}
    assert summary.malformed == {"tickets": 15, "customers": 12}
    assert summary.duplicates == {"tickets": 2, "customers": 2}
    assert elapsed < 10


@pytest.mark.parametrize("sizes", [{"tickets": 5}, {"customers": 19}])
def test_when_too_few_rows_then_configuration_error(memory_url: Any, sizes: dict[str, int]) -> None:
    with pytest.raises(ConfigurationError, match="at least"):
        generate_corpus(memory_url(), **sizes)
