"""Tests of the GDPR / HIPAA / CCPA presets, YAML round trips and the per-column policy report."""

from __future__ import annotations

import hashlib
import json
import re

import pyarrow as pa
import pytest

from vault_core.pii import (
    HIPAA_SAFE_HARBOR_IDENTIFIERS,
    PRESETS,
    Finding,
    Generalize,
    KAnonymity,
    MissingKeyError,
    PiiEngine,
    PiiEngineConfig,
    Policy,
    Pseudonym,
    ReplaceWithType,
    Surrogate,
    Token,
    anonymize_table,
    findings_to_table,
    get_preset,
)


def keys(purpose: str) -> bytes:
    return hashlib.sha256(b"preset-tests" + purpose.encode()).digest()


def test_when_presets_listed_then_gdpr_hipaa_ccpa_exist() -> None:
    assert {"gdpr", "hipaa-safe-harbor", "ccpa"} <= set(PRESETS)
    assert get_preset("gdpr").name == "gdpr"


def test_when_hipaa_identifiers_mapped_then_all_18_and_entities_are_detectable() -> None:
    assert len(HIPAA_SAFE_HARBOR_IDENTIFIERS) == 18
    supported = set(PiiEngine(PiiEngineConfig(mode="full")).supported_entities)
    mapped = {e for entities in HIPAA_SAFE_HARBOR_IDENTIFIERS.values() for e in entities}
    assert mapped <= supported


def test_when_hipaa_preset_applied_then_identifiers_removed_or_generalized_without_keys() -> None:
    policy = PRESETS["hipaa-safe-harbor"]
    mapped = {e for entities in HIPAA_SAFE_HARBOR_IDENTIFIERS.values() for e in entities}
    for entity in mapped:
        op = policy.operator_for("any", entity)
        # Safe Harbor forbids re-identification codes derived from the identifier.
        assert isinstance(op, ReplaceWithType | Generalize), entity
    zip_op = policy.operator_for("any", "ZIP_CODE")
    assert isinstance(zip_op, Generalize)
    assert "036" in zip_op.zip_suppressed
    age_op = policy.operator_for("any", "AGE")
    assert isinstance(age_op, Generalize)
    assert age_op.age_cap == 90


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_when_preset_serialized_to_yaml_then_reads_back_equal(name: str) -> None:
    policy = PRESETS[name]
    assert Policy.from_yaml(policy.to_yaml()) == policy
    assert Policy.from_yaml(policy.to_yaml()).digest() == policy.digest()


def test_when_policy_uses_every_operator_and_k_anonymity_then_yaml_round_trips() -> None:
    policy = Policy(
        name="all",
        default=Token(key_name="crm", digest_chars=12),
        entities={"PERSON": Surrogate(), "DATE_TIME": Generalize(date="month")},
        columns={"ssn": Pseudonym(key_name="vault")},
        k_anonymity=KAnonymity(quasi_identifiers=("zip", "age"), k=3),
    )
    text = policy.to_yaml()
    assert Policy.from_yaml(text) == policy
    assert "key_name: crm" in text


def test_when_k_anonymity_added_then_digest_changes_but_none_keeps_old_digest() -> None:
    plain = Policy(name="p")
    assert "k_anonymity" not in plain.canonical_json()
    with_k = Policy(name="p", k_anonymity=KAnonymity(quasi_identifiers=("zip",)))
    assert with_k.digest() != plain.digest()


def _customers() -> tuple[pa.Table, pa.Table]:
    table = pa.table(
        {
            "record_id": ["a", "b", "c"],
            "email": ["jane@acme.io", "li@corp.example", "jane@acme.io"],
            "notes": ["born 1985-03-14, call (415) 555-0132", "ok", "born 1990-01-02"],
        }
    )
    rows = [
        ("a", "email", Finding(0, 12, "EMAIL_ADDRESS", 1.0, "declared")),
        ("b", "email", Finding(0, 15, "EMAIL_ADDRESS", 1.0, "declared")),
        ("c", "email", Finding(0, 12, "EMAIL_ADDRESS", 1.0, "declared")),
        ("a", "notes", Finding(5, 15, "DATE_TIME", 0.8, "pattern")),
        ("a", "notes", Finding(22, 36, "PHONE_NUMBER", 0.8, "pattern")),
        ("c", "notes", Finding(5, 15, "DATE_TIME", 0.8, "pattern")),
    ]
    return table, findings_to_table(rows)


@pytest.mark.parametrize("name", ["gdpr", "ccpa"])
def test_when_keyed_preset_applied_without_keys_then_missing_key_error(name: str) -> None:
    table, findings = _customers()
    with pytest.raises(MissingKeyError, match="keys="):
        anonymize_table(table, findings, PRESETS[name], columns=["email", "notes"])


def test_when_gdpr_applied_then_consistent_surrogates_and_report_per_column() -> None:
    table, findings = _customers()
    result, report = anonymize_table(
        table, findings, PRESETS["gdpr"], columns=["email", "notes"], keys=keys
    )
    emails = result.column("email").to_pylist()
    assert emails[0] == emails[2] != emails[1]
    assert all(re.fullmatch(r"[a-z.]+\d\d@example\.(com|org|net)", e) for e in emails)
    notes = result.column("notes").to_pylist()
    assert notes[0].startswith("born 1985-03, call (")
    assert "555-0132" not in notes[0]
    assert report.actions == {
        "EMAIL_ADDRESS": {"surrogate": 3},
        "DATE_TIME": {"generalize": 2},
        "PHONE_NUMBER": {"surrogate": 1},
    }
    assert report.by_column == {
        "email": {"EMAIL_ADDRESS": {"surrogate": 3}},
        "notes": {"DATE_TIME": {"generalize": 2}, "PHONE_NUMBER": {"surrogate": 1}},
    }
    dumped = json.dumps(report.to_dict())
    for value in ("jane@acme.io", "li@corp.example", "1985-03-14", "555-0132"):
        assert value not in dumped


def test_when_keys_come_from_resolver_then_no_key_material_in_policy_or_report() -> None:
    table, findings = _customers()
    policy = Policy(name="t", default=Token())
    _, report = anonymize_table(table, findings, policy, columns=["email", "notes"], keys=keys)
    key_hex = keys("vault/pii/token/default/v1").hex()
    assert key_hex not in policy.to_yaml()
    assert key_hex not in json.dumps(report.to_dict())
