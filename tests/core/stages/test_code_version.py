"""Code versions of the stages: the settings that change a stage's output, and only those."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig, detectors
from vault_core.pii.detectors import DeclaredDetector, DeclaredPattern, DetectorsConfig
from vault_core.stages import _common, code_version


def _spec(**pii: object) -> DatasetSpec:
    return DatasetSpec(
        name="tickets",
        source="memory://landing/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        pii=PiiEngineConfig(**pii),  # type: ignore[arg-type]
    )


def test_when_only_ner_processes_change_then_code_versions_stay() -> None:
    for stage in ("pii_findings", "anonymized"):
        assert code_version(_spec(n_process=1), stage) == code_version(_spec(n_process=2), stage)


def test_when_detection_settings_change_then_code_versions_change() -> None:
    for stage in ("pii_findings", "anonymized"):
        base = code_version(_spec(), stage)
        assert code_version(_spec(mode="patterns"), stage) != base
        assert code_version(_spec(score_threshold=0.7), stage) != base
    assert code_version(_spec(mode="patterns"), "raw") == code_version(_spec(), "raw")


def test_when_detector_set_configured_differently_then_findings_code_versions_change() -> None:
    badge = DeclaredDetector(
        name="Badge",
        entity="BADGE_ID",
        patterns=[DeclaredPattern(name="b", regex="B-[0-9]{5}", score=0.9)],
    )
    base = code_version(_spec(), "pii_findings")
    assert (
        code_version(_spec(detectors=DetectorsConfig(exclude=["UsPassport"])), "pii_findings")
        != base
    )
    assert code_version(_spec(detectors=DetectorsConfig(declared=[badge])), "pii_findings") != base


def test_when_a_detector_module_changes_then_findings_code_versions_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {
        stage: code_version(_spec(), stage) for stage in ("raw", "pii_findings", "anonymized")
    }
    changed = tuple(
        replace(d, score=0.25) if d.name == "ZipCode" else d for d in detectors.default_detectors()
    )
    monkeypatch.setattr(detectors, "default_detectors", lambda: changed)
    _common._detector_digest.cache_clear()
    try:
        assert code_version(_spec(), "pii_findings") != before["pii_findings"]
        assert code_version(_spec(), "anonymized") != before["anonymized"]
        assert code_version(_spec(), "raw") == before["raw"]
    finally:
        _common._detector_digest.cache_clear()
