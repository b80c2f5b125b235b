"""Presidio recognizers inside vault's engine, on the per-text path (real recognizers)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import UkNinoRecognizer

from vault_core.pii import DetectionError, PiiEngine, PiiEngineConfig
from vault_core.pii.detectors import DetectorRegistry, DetectorsConfig, PresidioDetector
from vault_core.pii.exceptions import DetectorError


def _engine(*extra: PresidioDetector, threshold: float = 0.5, mode: str = "patterns") -> PiiEngine:
    registry = DetectorRegistry.default()
    for detector in extra:
        registry.add(detector)
    config = PiiEngineConfig(mode=mode, score_threshold=threshold)  # type: ignore[arg-type]
    return PiiEngine(config, detectors=registry)


def test_when_uk_nino_recognizer_added_then_its_findings_are_reported() -> None:
    engine = _engine(PresidioDetector(UkNinoRecognizer()))
    text = "My NINO is AB 12 34 56 C and mail ann@example.com"
    found = {(f.entity_type, text[f.start : f.end], f.detector) for f in engine.detect(text)}
    assert found == {
        ("UK_NINO", "AB 12 34 56 C", "presidio:UkNinoRecognizer"),
        ("EMAIL_ADDRESS", "ann@example.com", "vault:Email"),
    }
    assert "UK_NINO" in engine.supported_entities


def test_when_context_word_near_then_presidio_score_raised() -> None:
    engine = _engine(PresidioDetector(UkNinoRecognizer()), threshold=0.0)
    [plain] = engine.detect("reference AB 12 34 56 C")
    [near] = engine.detect("nino AB 12 34 56 C")
    assert near.score == pytest.approx(min(1.0, plain.score + 0.35))


def test_when_presidio_named_in_config_then_engine_runs_it() -> None:
    config = PiiEngineConfig(
        mode="patterns", detectors=DetectorsConfig(presidio=["EsNifRecognizer"])
    )
    [finding] = PiiEngine(config).detect("NIF 12345678Z del cliente")
    assert (finding.entity_type, finding.detector) == ("ES_NIF", "presidio:EsNifRecognizer")


def test_when_unknown_predefined_recognizer_named_then_detector_error() -> None:
    with pytest.raises(DetectorError, match="NoSuchRecognizer"):
        DetectorsConfig(presidio=["NoSuchRecognizer"]).registry()


def _employee_recognizer() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="EMPLOYEE_ID",
        name="EmployeeRecognizer",
        patterns=[Pattern("employee", r"\bE[0-9]{7}\b(?!-)", 0.9)],
    )


def test_when_presidio_finding_overlaps_weaker_vault_finding_then_resolution_keeps_it() -> None:
    text = "staff E1234567 today"
    vault_only = _engine(threshold=0.0).detect(text)
    assert [f.detector for f in vault_only] == ["vault:UsDriverLicense"]
    [finding] = _engine(PresidioDetector(_employee_recognizer()), threshold=0.0).detect(text)
    assert (finding.entity_type, finding.detector) == (
        "EMPLOYEE_ID", "presidio:EmployeeRecognizer",
    )  # fmt: skip


def test_when_presidio_finding_lies_inside_a_type_that_explains_it_then_dropped() -> None:
    # 943 476 5919 passes the NHS checksum and is written as a US phone number; "nhs" lifts
    # the NHS finding above the phone's score.
    text = "nhs 943 476 5919 today"
    nhs = PresidioDetector.predefined("NhsRecognizer")
    assert nhs.shadowed_inside == ("PHONE_NUMBER",)
    [finding] = _engine(nhs, threshold=0.0).detect(text)
    assert finding.entity_type == "PHONE_NUMBER"
    unshadowed = PresidioDetector(nhs.recognizer, shadowed_inside=())
    [finding] = _engine(unshadowed, threshold=0.0).detect(text)
    assert finding.entity_type == "UK_NHS"


def test_when_presidio_runs_with_ner_then_findings_join_resolution() -> None:
    engine = _engine(PresidioDetector(UkNinoRecognizer()), mode="full")
    text = "Dear Alice Morgan, your NINO AB 12 34 56 C is on file."
    types = {f.entity_type for f in engine.detect(text)}
    assert {"UK_NINO", "PERSON"} <= types


def test_when_table_scanned_then_presidio_findings_in_findings_table() -> None:
    import pyarrow as pa

    engine = _engine(PresidioDetector(UkNinoRecognizer()))
    table = pa.table({"record_id": ["a", "b"], "note": ["nino AB 12 34 56 C", None]})
    rows = engine.detect_table(table, text_columns=["note"]).to_pylist()
    assert [(r["record_id"], r["entity_type"], r["detector"]) for r in rows] == [
        ("a", "UK_NINO", "presidio:UkNinoRecognizer")
    ]


class _Failing(PatternRecognizer):
    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> Sequence[RecognizerResult]:
        raise ValueError(f"cannot read {text}")


def test_when_recognizer_fails_then_detection_error_without_text() -> None:
    failing = _Failing(supported_entity="X_ID", name="Failing", patterns=[Pattern("x", "x", 1.0)])
    engine = _engine(PresidioDetector(failing))
    with pytest.raises(DetectionError) as caught:
        engine.detect("secret ann@example.com")
    assert "ann@example.com" not in str(caught.value)
    assert "ValueError" in str(caught.value)


def test_when_recognizer_changes_then_digest_changes() -> None:
    one = DetectorRegistry([PresidioDetector(_employee_recognizer())]).digest
    other = _employee_recognizer()
    other.patterns[0].score = 0.8
    assert DetectorRegistry([PresidioDetector(other)]).digest != one
