"""Pattern detectors declared in YAML, as Presidio's recognizer YAML declares them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.pii.detectors import (
    DetectorRegistry,
    DetectorsConfig,
    load_detectors_yaml,
    parse_detectors_yaml,
)
from vault_core.pii.exceptions import DetectorError, DetectorYamlError
from vault_core.pii.scan import batches, reference, scan_texts

_ONE = "detectors:\n  - {name: A, entity: X, %s}"
_PATTERN = "patterns: [{name: p, regex: %s, score: 1}]"

_PRESIDIO_STYLE = r"""
recognizers:
  - name: EmployeeId
    supported_language: en
    supported_entity: EMPLOYEE_ID
    patterns:
      - name: badge
        regex: "(E)-([0-9]{6})"
        score: 0.4
      - name: legacy
        regex: "EMP[0-9]{4}"
        score: 0.6
    context: [Employee, badge]
    lead: "[\\w-]"
    trail: "[\\w-]"
  - name: Imei
    entity: IMEI
    patterns:
      - {name: imei, regex: "[0-9]{15}", score: 0.5}
    validator: luhn
    lead: "[\\w-]"
    trail: "[\\w-]"
"""


def _engine(tmp_path: Path, threshold: float = 0.3) -> PiiEngine:
    path = tmp_path / "detectors.yaml"
    path.write_text(_PRESIDIO_STYLE)
    registry = DetectorRegistry.default()
    registry.load_yaml(path)
    return PiiEngine(
        PiiEngineConfig(mode="patterns", score_threshold=threshold), detectors=registry
    )


def test_when_presidio_style_yaml_loaded_then_one_detector_per_pattern(tmp_path: Path) -> None:
    path = tmp_path / "detectors.yaml"
    path.write_text(_PRESIDIO_STYLE)
    added = DetectorRegistry().load_yaml(path)
    assert [d.name for d in added] == ["EmployeeId.badge", "EmployeeId.legacy", "Imei"]
    assert added[0].pattern == "(?:E)-(?:[0-9]{6})"  # groups made non-capturing
    assert added[0].context == ("employee", "badge")


def test_when_declared_detector_runs_then_context_raises_its_score(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    [plain] = engine.detect("ref E-123456 filed")
    [near] = engine.detect("employee E-123456 filed")
    assert (plain.entity_type, plain.detector, plain.score) == (
        "EMPLOYEE_ID", "vault:EmployeeId.badge", 0.4,
    )  # fmt: skip
    assert near.score == pytest.approx(0.75)
    assert engine.detect("xE-123456") == []  # the lead holds


def test_when_validator_named_then_only_valid_values_reported(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    assert [f.entity_type for f in engine.detect("imei 990008624718545 ok")] == ["IMEI"]
    assert engine.detect("imei 990008624718546 ok") == []


def test_when_declared_in_config_then_engine_runs_it() -> None:
    [declared] = parse_detectors_yaml(_PRESIDIO_STYLE)[:1]
    config = PiiEngineConfig(mode="patterns", detectors=DetectorsConfig(declared=[declared]))
    assert [f.entity_type for f in PiiEngine(config).detect("EMP1234 here")] == ["EMPLOYEE_ID"]
    round_trip = PiiEngineConfig.model_validate_json(config.model_dump_json())
    assert round_trip == config


def test_when_declared_detectors_scanned_then_columnar_same_as_match_by_match(
    tmp_path: Path,
) -> None:
    path = tmp_path / "detectors.yaml"
    path.write_text(_PRESIDIO_STYLE)
    detectors = DetectorRegistry(DetectorRegistry().load_yaml(path)).patterns
    texts = ["E-123456 EMP1234 990008624718545", "xE-123456-EMP12345 é E-000001\tEMP0001"] * 40
    small = batches._SMALL_CHARS
    batches._SMALL_CHARS = -1
    try:
        entities = DetectorRegistry(detectors).entities
        together = scan_texts(texts, entities=entities, threshold=0.0, detectors=detectors)
    finally:
        batches._SMALL_CHARS = small
    for number, text in enumerate(texts):
        hinted = [np.zeros(1, dtype=bool) for _ in detectors]
        alone = reference.scan_small([text], list(detectors), 0.0, hinted).sorted().to_lists(1)[0]
        assert together[number] == alone
    assert sum(map(len, together)) == 40 * 5  # not xE-123456, not EMP12345


@pytest.mark.parametrize(
    ("text", "location", "problem"),
    [
        ("detectors: [\n  {name: x", "line", "not valid YAML"),
        ("- a\n- b\n", "", "expected a mapping"),
        ("detectors: []\nextra: 1\n", "", "exactly one top-level key"),
        ("detectors: {name: x}\n", "detectors", "must be a list"),
        (
            "detectors:\n  - name: A\n    patterns: [{name: p, regex: x, score: 0.5}]\n",
            "detectors[0].entity",
            "Field required",
        ),
        (
            _ONE % (_PATTERN % "'a(?=b)'"),
            "detectors[0].patterns[0].regex",
            "lookahead",
        ),
        (
            _ONE % (_PATTERN % "'a\\s+b'"),
            "detectors[0].patterns[0].regex",
            "line break",
        ),
        (
            "detectors:\n  - {name: A, entity: X, patterns: [{name: p, regex: 'a*', score: 1}]}",
            "detectors[0].patterns[0].regex",
            "empty string",
        ),
        (
            "detectors:\n  - {name: A, entity: X, patterns: [{name: p, regex: '(a', score: 1}]}",
            "detectors[0].patterns[0].regex",
            "not a regex",
        ),
        (
            "detectors:\n  - {name: A, entity: X, patterns: [{name: p, regex: a, score: 2}]}",
            "detectors[0].patterns[0].score",
            "less than or equal to 1",
        ),
        (
            "detectors:\n  - {name: A, entity: X, validator: crc,"
            " patterns: [{name: p, regex: a, score: 1}]}",
            "detectors[0].validator",
            "unknown validator 'crc'",
        ),
        (
            _ONE % ("lead: 'a', " + _PATTERN % "a"),
            "detectors[0].lead",
            "character class",
        ),
        (
            "detectors:\n  - {name: A, entity: lower, patterns: [{name: p, regex: a, score: 1}]}",
            "detectors[0].entity",
            "pattern",
        ),
        (
            "detectors:\n  - {name: A, entity: X, patterns: [{name: p, regex: a, score: 1}]}\n"
            "  - {name: A, entity: Y, patterns: [{name: p, regex: b, score: 1}]}",
            "detectors[1].name",
            "declared twice",
        ),
    ],
)
def test_when_yaml_is_bad_then_typed_error_names_the_problem(
    tmp_path: Path, text: str, location: str, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DetectorYamlError) as caught:
        load_detectors_yaml(path)
    assert caught.value.source == str(path)
    assert caught.value.location.startswith(location)
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_when_yaml_file_missing_then_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DetectorYamlError, match="cannot be read"):
        load_detectors_yaml(tmp_path / "missing.yaml")


def test_when_yaml_name_taken_then_detector_error(tmp_path: Path) -> None:
    path = tmp_path / "taken.yaml"
    path.write_text(
        "detectors:\n  - {name: Email, entity: X, patterns: [{name: p, regex: a, score: 1}]}"
    )
    with pytest.raises(DetectorError, match="Email"):
        DetectorRegistry.default().load_yaml(path)
