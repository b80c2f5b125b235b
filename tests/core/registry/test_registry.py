"""The registry: first version 1.0.0, bumps by rule, unchanged input is not a new version."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_core.registry import NotFoundError, Registry, VersionCandidate


def _candidate(**changes: object) -> VersionCandidate:
    base = {
        "name": "tickets",
        "data_version": "b3:aaa",
        "code_version": "0.1.0-x",
        "schema_fingerprint": "b3:s1",
        "row_count": 10,
        "storage_url": "/tmp/x",
        "pii_summary": {"EMAIL_ADDRESS": 3},
    }
    return VersionCandidate.model_validate({**base, **changes})


def test_when_registering_changes_then_versions_follow_the_semver_rule(tmp_path: Path) -> None:
    registry = Registry.open(str(tmp_path / "reg"))
    steps = [
        (_candidate(), "1.0.0", True),
        (_candidate(), "1.0.0", False),
        (_candidate(data_version="b3:bbb"), "1.1.0", True),
        (_candidate(data_version="b3:bbb", code_version="0.1.0-y"), "1.1.1", True),
        (_candidate(data_version="b3:ccc", schema_fingerprint="b3:s2"), "2.0.0", True),
    ]
    for candidate, version, created in steps:
        record, was_created = registry.register(candidate)
        assert (record.version, was_created) == (version, created)
    assert [r.version for r in registry.list("tickets")] == ["1.0.0", "1.1.0", "1.1.1", "2.0.0"]


def test_when_reopened_then_records_round_trip(tmp_path: Path) -> None:
    Registry.open(str(tmp_path / "reg")).register(
        _candidate(tags={"team": "a"}, upstream={"x": "1"})
    )
    record = Registry.open(str(tmp_path / "reg")).latest("tickets")
    assert (record.tags, record.upstream, record.pii_summary) == (
        {"team": "a"},
        {"x": "1"},
        {"EMAIL_ADDRESS": 3},
    )
    assert record.summary()["status"] == "active"


def test_when_name_is_unknown_then_not_found_with_close_matches(tmp_path: Path) -> None:
    registry = Registry.open(str(tmp_path / "reg"))
    registry.register(_candidate())
    with pytest.raises(NotFoundError) as info:
        registry.latest("tickts")
    assert info.value.suggestions == ["tickets"]
    with pytest.raises(NotFoundError, match=r"tickets@9\.9\.9"):
        registry.get("tickets", "9.9.9")


def test_when_registry_is_empty_then_list_is_empty(tmp_path: Path) -> None:
    assert Registry.open(str(tmp_path / "none")).list() == []


def test_when_only_the_policy_changes_then_patch_but_new_inputs_are_minor(tmp_path: Path) -> None:
    registry = Registry.open(str(tmp_path / "reg"))
    base = {"policy_digest": "p1", "input_version": "b3:in1"}
    steps = [
        (_candidate(**base), "1.0.0"),
        # Same records and findings, another policy: the data follows from the policy.
        (_candidate(data_version="b3:bbb", policy_digest="p2", input_version="b3:in1"), "1.0.1"),
        # New inputs under the same policy: new data.
        (_candidate(data_version="b3:ccc", policy_digest="p2", input_version="b3:in2"), "1.1.0"),
        # New inputs and a new policy at once: still new data.
        (_candidate(data_version="b3:ddd", policy_digest="p3", input_version="b3:in3"), "1.2.0"),
        # Inputs unknown (older records): new data, never guessed to be a patch.
        (_candidate(data_version="b3:eee", policy_digest="p4"), "1.3.0"),
    ]
    for candidate, version in steps:
        assert registry.register(candidate)[0].version == version
    assert registry.diff("tickets", "1.0.0", "1.0.1").change == "policy"
