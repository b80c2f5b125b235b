"""Declarative dataset: where its data lands, how to read it, its PII columns, its policy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vault_core.pii.engine import PiiEngineConfig
from vault_core.pii.policy import PRESETS, Policy

SourceFormat = Literal["csv", "jsonl", "parquet", "txt"]


class DatasetSpec(BaseModel):
    """One dataset of the vault. A pipeline turns it into ``<name>/raw``, ``<name>/pii_findings``,
    ``<name>/anonymized`` and ``<name>/registered`` assets.

    Example:
        >>> DatasetSpec(name="tickets", source="s3://landing/tickets/*.jsonl", format="jsonl",
        ...             text_columns=["subject", "body"], required_columns=["ticket_id", "body"])
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Dataset name: lowercase letters, digits and underscores; becomes the asset key prefix."""

    source: str
    """fsspec URL or glob of the landing files (``/data/in/*.csv``, ``s3://bucket/t/*.jsonl``)."""

    format: SourceFormat
    """File format. csv and jsonl yield string columns (JSON scalars keep their JSON text);
    parquet keeps its own schema; txt yields one record per file (``source_path``, ``text``)."""

    text_columns: list[str] = Field(default_factory=list)
    """Free-text columns scanned for PII."""

    entity_columns: dict[str, str] = Field(default_factory=dict)
    """Structured columns whose every value is PII of a known type,
    e.g. ``{"email": "EMAIL_ADDRESS"}``."""

    passthrough_columns: list[str] = Field(default_factory=list)
    """Columns declared free of personal data (ids, timestamps, enums), copied unchanged. Every
    column that is in none of ``text_columns``, ``entity_columns`` and ``passthrough_columns`` is
    scanned as free text (fail closed: an undeclared ``contact_email`` never passes in clear)."""

    required_columns: list[str] = Field(default_factory=list)
    """Columns that must be present and non-empty; rows without them are quarantined."""

    policy: Policy = Field(default_factory=lambda: PRESETS["default"])
    """Anonymization policy (a preset name such as ``"default"`` is accepted)."""

    pii: PiiEngineConfig = Field(default_factory=PiiEngineConfig)
    """Detection settings (mode, entity set, score threshold)."""

    storage_options: dict[str, str] = Field(default_factory=dict)
    """fsspec storage options for ``source``."""

    description: str = ""
    """One line shown in the Dagster UI."""

    owner: str | None = None
    """Owner recorded in the registry (e.g. a team e-mail or handle)."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Free-form tags recorded in the registry and shown on the assets."""

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_preset(cls, value: object) -> object:
        if isinstance(value, str):
            if value not in PRESETS:
                raise ValueError(f"unknown policy preset {value!r}; presets: {sorted(PRESETS)}")
            return PRESETS[value]
        return value

    @model_validator(mode="after")
    def _columns_disjoint(self) -> DatasetSpec:
        groups = {
            "text_columns": set(self.text_columns),
            "entity_columns": set(self.entity_columns),
            "passthrough_columns": set(self.passthrough_columns),
        }
        names = list(groups)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                both = groups[first] & groups[second]
                if both:
                    raise ValueError(f"columns {sorted(both)} are both {first} and {second}")
        if self.format == "txt" and set(self.text_columns) - {"text"}:
            raise ValueError("txt datasets have one text column, named 'text'")
        return self

    @property
    def declared_columns(self) -> list[str]:
        """Every column the definition names (code, not data)."""
        return [*self.text_columns, *self.entity_columns, *self.passthrough_columns]
