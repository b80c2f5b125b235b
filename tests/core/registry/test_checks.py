"""Check evaluations made after registration: results recorded, ERROR failures non-compliant."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_core.registry import (
    AssetVersion,
    CheckEvaluation,
    Provenance,
    Registry,
    UpstreamRef,
    VersionCandidate,
)


def _register(registry: Registry, data: str, anonymized_storage_id: int) -> AssetVersion:
    ref = UpstreamRef(asset="t/anonymized", data_version=data, storage_id=anonymized_storage_id)
    candidate = VersionCandidate(
        name="t",
        data_version=data,
        code_version="c",
        schema_fingerprint="s",
        row_count=1,
        storage_url="/x",
        checks={"no_pii_left": True},
        annotations={"vault/zone": "anonymized"},
        provenance=Provenance(upstream=[ref]),
    )
    return registry.register(candidate)[0]


def _evaluation(target: int, storage_id: int, **changes: object) -> CheckEvaluation:
    fields: dict[str, object] = {
        "asset": "t/anonymized",
        "check": "no_pii_left",
        "passed": False,
        "target_storage_id": target,
        "storage_id": storage_id,
        "run_id": "r1",
    }
    return CheckEvaluation(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry.open(str(tmp_path / "reg"))
    _register(registry, "b3:a", 10)
    _register(registry, "b3:b", 20)
    return registry


def test_when_error_check_fails_then_only_that_version_is_non_compliant(
    registry: Registry,
) -> None:
    seen: list[str] = []
    registry.add_status_listener(lambda record: seen.append(record.key))
    changed = registry.apply_checks([_evaluation(target=10, storage_id=30)])
    assert [r.key for r in changed] == seen == ["t@1.0.0"]
    old, new = Registry.open(registry.url).history("t")
    assert (str(old.status), old.checks) == ("non_compliant", {"no_pii_left": False})
    assert "no_pii_left failed on t/anonymized" in old.status_reason
    assert "run r1" in old.status_reason
    assert (str(new.status), new.checks) == ("active", {"no_pii_left": True})
    assert "ERROR checks failed: no_pii_left" in registry.evaluate("t", "1.0.0").failures
    assert "status is non_compliant" in registry.evaluate("t", "1.0.0").failures
    # Replaying the same evaluation changes nothing and notifies nobody.
    assert registry.apply_checks([_evaluation(target=10, storage_id=30)]) == []
    assert seen == ["t@1.0.0"]


def test_when_warn_check_fails_then_result_recorded_but_status_kept(registry: Registry) -> None:
    evaluation = _evaluation(target=20, storage_id=30, check="row_count", severity="WARN")
    assert [r.key for r in registry.apply_checks([evaluation])] == ["t@1.1.0"]
    record = registry.get("t", "1.1.0")
    assert (str(record.status), record.checks["row_count"]) == ("active", False)
    assert record.check_severities["row_count"] == "WARN"
    assert registry.evaluate("t", "1.1.0").passed  # a failed WARN check is reported, not gating


def test_when_a_later_evaluation_passes_then_result_updates_but_compliance_needs_review(
    registry: Registry,
) -> None:
    registry.apply_checks(
        [_evaluation(target=20, storage_id=40, passed=True), _evaluation(target=20, storage_id=30)]
    )
    record = registry.get("t", "1.1.0")
    assert (str(record.status), record.checks["no_pii_left"]) == ("non_compliant", True)


def test_when_version_is_archived_then_a_failure_is_recorded_without_status_change(
    registry: Registry,
) -> None:
    registry.archive("t", "1.0.0", "retired")
    registry.apply_checks([_evaluation(target=10, storage_id=30)])
    record = registry.get("t", "1.0.0")
    assert (str(record.status), record.checks["no_pii_left"]) == ("archived", False)


def test_when_evaluation_targets_an_unregistered_materialization_then_nothing_changes(
    registry: Registry,
) -> None:
    assert registry.apply_checks([_evaluation(target=15, storage_id=30)]) == []
    assert {str(r.status) for r in registry.list()} == {"active"}
