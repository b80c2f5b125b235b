"""Code versions of the stages: the settings that change a stage's output, and only those."""

from __future__ import annotations

from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.stages import code_version


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
