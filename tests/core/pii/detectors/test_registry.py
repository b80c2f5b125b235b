"""The detector registry: the default set, add and remove, digests, shadowing, engines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig, UnsupportedEntityError
from vault_core.pii.detectors import (
    DetectorRegistry,
    DetectorsConfig,
    PatternDetector,
    PresidioDetector,
    default_detectors,
)
from vault_core.pii.exceptions import DetectorError
from vault_core.pii.finding import SHADOWED_INSIDE

_BADGE = PatternDetector("Badge", "BADGE_ID", r"BX-[0-9]{5}", 0.9, lead=r"[\w-]", trail=r"[\w-]")


def test_when_default_registry_built_then_every_module_detector_is_in_it() -> None:
    registry = DetectorRegistry.default()
    assert registry.names == [d.name for d in default_detectors()]
    assert {"Email", "CardNumber", "UsSsnDigits", "ZipCode"} <= set(registry.names)
    assert len(registry) == len(set(registry.names)) >= 25
    assert {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "LOCATION"} <= registry.entities


def test_when_detector_added_twice_then_detector_error() -> None:
    registry = DetectorRegistry.default()
    registry.add(_BADGE)
    with pytest.raises(DetectorError, match="Badge"):
        registry.add(_BADGE)


def test_when_unknown_detector_removed_then_detector_error_lists_names() -> None:
    with pytest.raises(DetectorError, match="no detector named 'Nope'"):
        DetectorRegistry.default().remove("Nope")


def test_when_detector_named_with_space_then_detector_error() -> None:
    with pytest.raises(DetectorError, match="name"):
        PatternDetector("Two words", "X", "x", 0.5)


def test_when_detector_added_then_engine_reports_its_type() -> None:
    registry = DetectorRegistry.default()
    registry.add(_BADGE)
    engine = PiiEngine(PiiEngineConfig(mode="patterns"), detectors=registry)
    [finding] = engine.detect("badge BX-12345 at the gate")
    assert (finding.entity_type, finding.detector, finding.score) == (
        "BADGE_ID",
        "vault:Badge",
        0.9,
    )
    assert "BADGE_ID" in engine.supported_entities


def test_when_detector_removed_then_engine_no_longer_reports_it() -> None:
    registry = DetectorRegistry.default()
    registry.remove("Email")
    engine = PiiEngine(PiiEngineConfig(mode="patterns"), detectors=registry)
    assert engine.detect("write to ann@example.com") == []
    config = PiiEngineConfig(mode="patterns", entities=["EMAIL_ADDRESS"])
    with pytest.raises(UnsupportedEntityError):
        PiiEngine(config, detectors=registry).detect("x")


def test_when_registry_changed_after_engine_built_then_engine_unchanged() -> None:
    registry = DetectorRegistry.default()
    engine = PiiEngine(PiiEngineConfig(mode="patterns"), detectors=registry)
    registry.remove("Email")
    assert [f.entity_type for f in engine.detect("ann@example.com")] == ["EMAIL_ADDRESS"]


def test_when_detectors_given_twice_then_detector_error() -> None:
    config = PiiEngineConfig(mode="patterns", detectors=DetectorsConfig(exclude=["UsPassport"]))
    with pytest.raises(DetectorError, match="not both"):
        PiiEngine(config, detectors=DetectorRegistry.default())


def test_when_set_changes_then_digest_changes_and_equal_sets_share_it() -> None:
    base = DetectorRegistry.default()
    assert DetectorRegistry.default().digest == base.digest
    removed = base.copy()
    removed.remove("ZipCode")
    added = base.copy()
    added.add(_BADGE)
    changed = DetectorRegistry(
        replace(d, score=0.25) if d.name == "ZipCode" else d for d in default_detectors()
    )
    digests = {base.digest, removed.digest, added.digest, changed.digest}
    assert len(digests) == 4


def test_when_config_excludes_detector_then_registry_lacks_it() -> None:
    registry = DetectorsConfig(exclude=["UsPassport"]).registry()
    assert "UsPassport" not in registry
    assert "US_PASSPORT" not in registry.entities
    with pytest.raises(DetectorError):
        DetectorsConfig(exclude=["NotADetector"]).registry()


def test_when_default_and_presidio_shadowing_merged_then_same_as_finding_table() -> None:
    registry = DetectorRegistry.default()
    registry.add(PresidioDetector.predefined("NhsRecognizer"))
    registry.add(PresidioDetector.predefined("UuidRecognizer"))
    assert dict(registry.shadowed_inside) == dict(SHADOWED_INSIDE)


def test_when_engine_built_then_context_words_come_from_its_detectors() -> None:
    registry = DetectorRegistry.default()
    assert {"ssn", "passport", "routing"} <= registry.context_words
    assert all(" " not in word for word in registry.context_words)
