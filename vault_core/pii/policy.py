"""Anonymization policies: the operator for a finding, by column, entity type or default."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vault_core.pii.exceptions import PolicyError
from vault_core.pii.generalize import HIPAA_RESTRICTED_ZIP3, Generalize
from vault_core.pii.hipaa import NATIONAL_ID_TYPES
from vault_core.pii.kanon import KAnonymity
from vault_core.pii.operators import Mask, Operator, Redact, ReplaceWithType
from vault_core.pii.surrogate import Surrogate
from vault_core.pii.token import Token

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DIGEST_CHARS = 16


class Policy(BaseModel):
    """A named anonymization policy.

    Precedence when choosing an operator: ``columns`` over ``entities`` over ``default``.

    Example (YAML)::

        name: support-tickets
        default: {kind: replace}
        entities:
          PHONE_NUMBER: {kind: mask, keep_last: 4}
        columns:
          notes: {kind: redact}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    """Name shown in reports and the registry."""
    default: Operator = Field(default_factory=ReplaceWithType)
    """Operator for findings no override matches."""
    entities: dict[str, Operator] = Field(default_factory=dict)
    """Per entity type override, keyed by Presidio entity name (e.g. ``CREDIT_CARD``)."""
    columns: dict[str, Operator] = Field(default_factory=dict)
    """Per column override; applies to every finding in that column, whatever its type."""
    k_anonymity: KAnonymity | None = None
    """Table-level step after the operators: generalize/suppress quasi-identifier columns."""

    @field_validator("entities")
    @classmethod
    def _entity_names_look_like_entities(cls, entities: dict[str, Operator]) -> dict[str, Operator]:
        bad = sorted(name for name in entities if not _ENTITY_NAME.match(name))
        if bad:
            raise ValueError(
                f"entity types must be upper-case Presidio names such as EMAIL_ADDRESS, got {bad}"
            )
        return entities

    def operator_for(self, column: str, entity_type: str) -> Operator:
        """Return the operator for a finding of ``entity_type`` in ``column``."""
        if column in self.columns:
            return self.columns[column]
        if entity_type in self.entities:
            return self.entities[entity_type]
        return self.default

    def canonical_json(self) -> str:
        """JSON with sorted keys and every default spelled out: equal policies, equal text."""
        data = self.model_dump(mode="json")
        if data["k_anonymity"] is None:
            # Policies without the step keep the digest they had before the field existed.
            del data["k_anonymity"]
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def digest(self) -> str:
        """Stable short hex digest of :meth:`canonical_json` (part of Dagster code versions)."""
        return hashlib.sha256(self.canonical_json().encode("ascii")).hexdigest()[:_DIGEST_CHARS]

    def to_yaml(self) -> str:
        """Serialize to YAML that :meth:`from_yaml` reads back to an equal policy."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        """Validate a mapping (e.g. parsed YAML) into a policy.

        Raises:
            PolicyError: If the data is not a valid policy.
        """
        if not isinstance(data, dict):
            raise PolicyError(
                f"a policy must be a mapping with at least 'name', got {type(data).__name__}"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(f"invalid policy: {_describe(exc)}") from exc

    @classmethod
    def from_yaml(cls, text: str) -> Policy:
        """Parse a policy from YAML.

        Raises:
            PolicyError: If the YAML does not parse or is not a valid policy.
        """
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"policy YAML does not parse: {exc}") from exc
        return cls.from_dict(data)


def _describe(exc: ValidationError) -> str:
    # Field locations and messages only: pydantic's default text also echoes the input.
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        location = ".".join(str(item) for item in error["loc"]) or "<policy>"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)


# Other countries' national, tax and health identifiers: removed, as US SSNs are.
_NATIONAL_IDS_REMOVED: dict[str, Operator] = {
    entity: ReplaceWithType() for entity in (*NATIONAL_ID_TYPES, "UK_NHS", "AU_MEDICARE")
}

PRESETS: dict[str, Policy] = {
    "default": Policy(name="default"),
    "mask-contacts": Policy(
        name="mask-contacts",
        entities={
            "PHONE_NUMBER": Mask(keep_last=4),
            "CREDIT_CARD": Mask(keep_last=4),
        },
    ),
    "redact-all": Policy(name="redact-all", default=Redact()),
    "gdpr": Policy(
        name="gdpr",
        default=Token(),
        entities={
            "PERSON": Surrogate(),
            "EMAIL_ADDRESS": Surrogate(),
            "PHONE_NUMBER": Surrogate(),
            "LOCATION": Surrogate(),
            "IP_ADDRESS": Surrogate(),
            "DATE_TIME": Generalize(date="month"),
            "AGE": Generalize(),
            "ZIP_CODE": Generalize(),
            "CREDIT_CARD": ReplaceWithType(),
            "IBAN_CODE": ReplaceWithType(),
            "US_BANK_NUMBER": ReplaceWithType(),
            "US_SSN": ReplaceWithType(),
            "NRP": ReplaceWithType(),
            **_NATIONAL_IDS_REMOVED,
        },
    ),
    "hipaa-safe-harbor": Policy(
        name="hipaa-safe-harbor",
        default=ReplaceWithType(),
        entities={
            "DATE_TIME": Generalize(date="year"),
            "AGE": Generalize(age_band=5, age_cap=90),
            "ZIP_CODE": Generalize(zip_digits=3, zip_suppressed=HIPAA_RESTRICTED_ZIP3),
        },
    ),
    "ccpa": Policy(
        name="ccpa",
        default=Token(),
        entities={
            "PERSON": Surrogate(),
            "EMAIL_ADDRESS": Surrogate(),
            "PHONE_NUMBER": Surrogate(),
            "LOCATION": Surrogate(),
            "DATE_TIME": Generalize(date="year"),
            "AGE": Generalize(),
            "ZIP_CODE": Generalize(),
            "CREDIT_CARD": ReplaceWithType(),
            "US_SSN": ReplaceWithType(),
            "US_DRIVER_LICENSE": ReplaceWithType(),
            "US_PASSPORT": ReplaceWithType(),
            "US_BANK_NUMBER": ReplaceWithType(),
            "IBAN_CODE": ReplaceWithType(),
            **_NATIONAL_IDS_REMOVED,
        },
    ),
}
"""Ready-made policies (see docs/pii.md for what each preset covers and why):

- ``default`` replaces every finding with ``<TYPE>``; ``mask-contacts`` masks phone and card
  numbers except their last 4 characters and replaces the rest; ``redact-all`` removes every
  finding.
- ``gdpr`` pseudonymises (Art. 4(5)): realistic surrogates for people and contacts, keyed tokens
  for other identifiers, month-level dates, removal of financial and national ids. The output is
  still personal data under GDPR; the key is the "additional information kept separately".
- ``hipaa-safe-harbor`` removes the 18 identifiers of 45 CFR 164.514(b)(2): every finding becomes
  ``<TYPE>`` except dates (year kept), ages (5-year bands, 90+) and zip codes (3 digits, ``000``
  for sparse areas). No keyed tokens: Safe Harbor forbids codes derived from the identifiers.
- ``ccpa`` de-identifies (Cal. Civ. Code 1798.140): surrogates for people and contacts, keyed
  tokens for other identifiers, year-level dates, removal of government and financial ids.
  Keyed presets need ``keys=`` when applied."""


def get_preset(name: str) -> Policy:
    """Return the preset policy called ``name``.

    Raises:
        PolicyError: If there is no such preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise PolicyError(f"no preset policy {name!r}; choose one of {sorted(PRESETS)}") from None
