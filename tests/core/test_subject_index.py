"""The subject index: written beside the findings, keyed hashes only, looked up by several
identifiers at once, useless once the dataset's keys are shredded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vault_core import stages, subject_index
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault

PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Vault, DatasetSpec]:
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = [
        {
            "id": str(i),
            "email": f"Owner{i}@Shop.example",
            "body": f"call +1 415 555 01{i:02d} or mail user{i}@example.org about order {i}",
        }
        for i in range(6)
    ]
    (landing / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    spec = DatasetSpec(
        name="notes",
        source=f"{landing}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        entity_columns={"email": "EMAIL_ADDRESS"},
        passthrough_columns=["id"],
        pii=PiiEngineConfig(mode="patterns"),
    )
    vault = Vault(VaultSettings(home=str(tmp_path / "home")))
    stages.ingest_raw(vault, spec)
    stages.find_pii(vault, spec, PATTERNS)
    return vault, spec


def _lookup(vault: Vault, identifiers: list[str]) -> dict[str, set[str]]:
    key = stages.subject_key(vault, "notes")
    return subject_index.lookup(
        vault.table_url("notes", "subject_index"), subject_index.subject_hashes(identifiers, key)
    )


def _record_of(vault: Vault, row_id: str) -> str:
    records = vault.open_raw("notes")
    return str(records.filter(records["id"].to_numpy(zero_copy_only=False) == row_id)[
        "record_id"
    ][0])  # fmt: skip


@pytest.mark.parametrize(
    ("identifier", "row"),
    [
        ("user3@example.org", "3"),  # free text, as written
        ("  USER3@Example.ORG ", "3"),  # case and spaces
        ("(415) 555-0102", "2"),  # without the country code found in the text
        ("+14155550102", "2"),  # E.164
        ("owner4@shop.example", "4"),  # an entity column's value
    ],
)
def test_when_an_identifier_is_looked_up_then_its_record_is_found(
    indexed: tuple[Vault, DatasetSpec], identifier: str, row: str
) -> None:
    vault, _ = indexed
    assert _lookup(vault, [identifier]) == {"all": {_record_of(vault, row)}}


def test_when_several_identifiers_of_one_person_then_every_record_is_found(
    indexed: tuple[Vault, DatasetSpec],
) -> None:
    vault, _ = indexed
    found = _lookup(vault, ["user1@example.org", "owner5@shop.example", "nobody@nowhere.example"])
    assert found == {"all": {_record_of(vault, "1"), _record_of(vault, "5")}}


def test_when_the_index_is_read_then_no_value_is_stored(
    indexed: tuple[Vault, DatasetSpec],
) -> None:
    vault, _ = indexed
    table = vault.read_table("notes", "subject_index")
    assert table.num_rows > 0
    text = json.dumps(table.to_pylist())
    for value in ("user3@example.org", "4155550102", "owner4", "shop.example", "example.org"):
        assert value not in text.lower()


def test_when_the_dataset_keys_are_shredded_then_the_index_cannot_be_used(
    indexed: tuple[Vault, DatasetSpec],
) -> None:
    vault, _ = indexed
    for version in vault.keyring.versions("notes"):
        vault.keyring.destroy(version.key_id, shred=True)
    fresh = Vault(vault.settings)
    with pytest.raises(subject_index.SubjectIndexError, match="cannot be opened"):
        stages.subject_key(fresh, "notes")


def test_when_gc_collects_then_the_index_key_is_a_root(
    indexed: tuple[Vault, DatasetSpec],
) -> None:
    vault, _ = indexed
    ref = subject_index.read_key_ref(vault.settings.path("datasets"), "notes")
    assert ref is not None
    assert ref.address in vault.references()["notes"]
