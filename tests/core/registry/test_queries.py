"""Registry API on a real Delta index: filters, ranges, aliases, lifecycle, dependencies, racing
writers, time travel and its failure modes."""

from __future__ import annotations

import threading
from pathlib import Path

import deltalake
import pyarrow as pa
import pytest

from vault_core import tables
from vault_core.registry import (
    AssetKind,
    AssetVersion,
    CycleError,
    IntegrityError,
    InvalidVersionError,
    NotFoundError,
    Registry,
    StatusTransitionError,
    VersionCandidate,
    VersionDataError,
    VersionRange,
)


def _candidate(name: str = "tickets", **changes: object) -> VersionCandidate:
    base = {
        "name": name,
        "data_version": "b3:aaa",
        "code_version": "c1",
        "schema_fingerprint": "b3:s1",
        "row_count": 10,
        "storage_url": "/nowhere",
        "tags": {"domain": "support"},
    }
    return VersionCandidate.model_validate({**base, **changes})


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry.open(str(tmp_path / "reg"))
    for data in ("a", "b", "c"):
        registry.register(_candidate(data_version=f"b3:{data}"))
    registry.register(_candidate(data_version="b3:d", schema_fingerprint="b3:s2"))
    registry.register(_candidate("customers", tags={"domain": "crm"}))
    return registry


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=1.1,<2", ["1.1.0", "1.2.0"]),
        ("^1.1", ["1.1.0", "1.2.0"]),
        ("~1.2", ["1.2.0"]),
        ("2.0.0", ["2.0.0"]),
        ("*", ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]),
    ],
)
def test_when_filtered_by_semver_range_then_only_matching_versions(
    registry: Registry, spec: str, expected: list[str]
) -> None:
    assert [r.version for r in registry.list("tickets", versions=spec)] == expected


def test_when_range_is_malformed_then_typed_error() -> None:
    with pytest.raises(InvalidVersionError):
        VersionRange(">>1")


def test_when_searched_by_tag_kind_and_text_then_matches(registry: Registry) -> None:
    assert {r.name for r in registry.list(tags={"domain": "crm"})} == {"customers"}
    assert len(registry.search("support", kind="dataset")) == 4
    assert registry.list(kind=AssetKind.MODEL) == []
    assert [a.latest for a in registry.assets()] == ["1.0.0", "2.0.0"]


def test_when_alias_is_set_then_get_resolves_it_and_unknown_names_get_close_matches(
    registry: Registry,
) -> None:
    registry.set_alias("tickets", "production", "1.1.0")
    assert Registry.open(registry.url).get("tickets", "production").version == "1.1.0"
    registry.set_alias("tickets", "production", "1.2.0")
    assert registry.get("tickets", "production").version == "1.2.0"
    with pytest.raises(NotFoundError) as info:
        registry.get("tickets", "prodution")
    assert info.value.suggestions[0] == "tickets@production"
    with pytest.raises(NotFoundError) as info:
        registry.get("tiket")
    assert info.value.suggestions == ["tickets"]


def test_when_lifecycle_moves_then_history_is_kept_and_archived_is_final(
    registry: Registry,
) -> None:
    registry.deprecate("tickets", "1.0.0", "bad source")
    registry.archive("tickets", "1.0.0", "retention")
    record = Registry.open(registry.url).get("tickets", "1.0.0")
    assert [(str(c.status), c.reason) for c in record.status_history] == [
        ("deprecated", "bad source"),
        ("archived", "retention"),
    ]
    with pytest.raises(StatusTransitionError):
        registry.deprecate("tickets", "1.0.0", "again")
    assert len(registry.list("tickets")) == 4


def test_when_model_depends_on_dataset_then_impact_lists_it_and_cycles_are_rejected(
    registry: Registry,
) -> None:
    registry.register(_candidate("clf", kind=AssetKind.MODEL, depends_on={"tickets": "1.1.0"}))
    assert [r.key for r in registry.impact("tickets")] == ["clf@1.0.0"]
    assert registry.impact("tickets", "1.0.0") == []
    assert registry.lineage("clf").nodes.keys() >= {"clf@1.0.0", "tickets@1.1.0"}
    registry.deprecate("tickets", "1.1.0", "leak")
    assert "upstream not active: tickets@1.1.0" in registry.evaluate("clf").failures
    with pytest.raises(CycleError) as info:
        registry.register(_candidate("tickets", data_version="b3:z", depends_on={"clf": "1.0.0"}))
    assert info.value.path == ["tickets", "clf", "tickets"]
    with pytest.raises(NotFoundError):
        registry.register(_candidate("clf2", depends_on={"tickets": "9.0.0"}))


def test_when_writers_race_then_no_record_is_duplicated(tmp_path: Path) -> None:
    url = str(tmp_path / "reg")
    records = [
        AssetVersion(**_candidate(f"d{i % 5}").model_dump(), version=f"1.{i}.0") for i in range(30)
    ]
    inserted: list[int] = []
    threads = [
        threading.Thread(target=lambda: inserted.append(Registry.open(url).put(records)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(inserted) == [0, 0, 0, 30]
    assert tables.read_table(url).num_rows == 30


def test_when_loading_then_exact_delta_version_or_typed_errors(tmp_path: Path) -> None:
    url = str(tmp_path / "data")
    first = tables.write_table(url, pa.table({"x": [1, 2]}))
    tables.write_table(url, pa.table({"x": [1, 2, 3]}))
    registry = Registry.open(str(tmp_path / "reg"))
    registry.register(
        _candidate(
            storage_url=url, delta_version=first.delta_version, data_version=first.data_version
        )
    )
    assert registry.load("tickets", "1.0.0", as_="arrow").column("x").to_pylist() == [1, 2]
    registry.register(
        _candidate(
            storage_url=url, delta_version=1, data_version=first.data_version, code_version="c2"
        )
    )
    with pytest.raises(IntegrityError):
        registry.load("tickets", "1.0.1")
    registry.register(_candidate(storage_url=url, delta_version=7, data_version="b3:q"))
    with pytest.raises(VersionDataError, match="Delta version 7"):
        registry.load("tickets", "1.1.0")
    assert deltalake.DeltaTable(url).version() == 1
