"""Declarative dataset: where its data lands, how to read it, its PII columns, its policy."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vault_core.access.catalog import DatasetAccess
from vault_core.access.principal import DEFAULT_TENANT, Level
from vault_core.pii.engine import PiiEngineConfig
from vault_core.pii.policy import PRESETS, Policy
from vault_core.quality.residual import ResidualPiiSpec
from vault_core.quality.suite import CONTRACT_SUITE, ExpectationSuiteSpec, suites_from

SourceFormat = Literal["csv", "jsonl", "parquet", "txt"]
Partitioning = Literal["none", "hourly", "daily", "monthly", "files"]
TIME_WINDOWS = ("hourly", "daily", "monthly")


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

    storage_options: dict[str, Any] = Field(default_factory=dict)
    """Storage options for ``source``: what fsspec accepts (``client_kwargs``, ``key``...) or
    deltalake's spelling (``AWS_ENDPOINT_URL``...), see ``vault_core.storage_options``."""

    partitioning: Partitioning = "none"
    """How the dataset is cut into partitions, each ingested, scanned, anonymized and written on
    its own (memory follows the batch size, cost follows what changed):

    - ``none``: one partition (``all``) holding every file of ``source``; for small datasets.
    - ``hourly``, ``daily``, ``monthly``: time windows; ``source`` names the window with
      ``{date}`` (the partition key, e.g. ``2026-12-06``) or ``{date:%Y/%m/%d}`` (any strftime
      format), e.g. ``s3://landing/chats/{date}/*.jsonl``. Needs ``partition_start``.
    - ``files``: one partition per landing file matching ``source``, keyed by its path relative
      to the glob's fixed folder (a digest instead when the path holds PII); the landing sensor
      adds new files as partitions.
    """

    partition_start: str | None = None
    """First time window (ISO date or datetime, e.g. ``2026-01-01``) of a time-partitioned
    dataset."""

    batch_rows: int = Field(default=20_000, ge=1, le=10_000_000)
    """Records per streamed batch and per sealed raw object: what bounds a step's memory."""

    retention_hours: int = Field(default=168, ge=0)
    """Old Delta versions (files no longer in the current version) are vacuumed after this many
    hours; time travel and registry versions older than that stop being loadable."""

    raw_retention_days: int | None = Field(default=None, ge=1)
    """Partitions older than this many days are purged by the ``vault_retention`` job: their
    sealed raw objects, manifest and quarantine rows, findings, anonymized rows and subject
    index entries (None: kept until erased). A time window's age runs from its end (the
    ``2026-01-01`` daily partition is 30 days old on ``2026-01-31``); a ``files`` partition's
    from when it was ingested. A dataset without partitioning has one partition and cannot age
    out piece by piece: give it partitions to use this. A purged partition is not ingested
    again, and the registry versions that held it become ``expired``."""

    description: str = ""
    """One line shown in the Dagster UI."""

    owner: str | None = None
    """Owner recorded in the registry (e.g. a team e-mail or handle)."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Free-form tags recorded in the registry and shown on the assets."""

    tenant: str = Field(default=DEFAULT_TENANT, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    """The tenant that owns the dataset: only its principals may list, load or decrypt it."""

    classification: Level = Level.CONFIDENTIAL
    """Sensitivity: readers need at least this clearance."""

    allowed_purposes: list[str] = Field(default_factory=list)
    """Purposes of use a reader must declare (empty: any)."""

    expectations: list[ExpectationSuiteSpec] = Field(default_factory=list)
    """Expectation suites (Great Expectations 1.x) run on every materialization of
    ``<name>/anonymized``, one asset check each (``expect_<suite>``), beside the generated
    ``expect_contract``. Accepts a suite JSON file path, a list of expectation configurations
    (one suite named ``expectations``), or a list of suites (files or mappings with ``name``,
    ``expectations``, ``severity``). A failed ``ERROR`` suite blocks registration."""

    residual_pii: ResidualPiiSpec | None = Field(default_factory=ResidualPiiSpec)
    """The residual-PII estimate on ``<name>/anonymized`` (the full engine, NER included, on a
    seeded sample): its sample size, seed, threshold and severity; None turns it off."""

    def access(self) -> DatasetAccess:
        """What the access policy knows about this dataset (recorded when first built)."""
        return DatasetAccess(
            tenant=self.tenant,
            classification=self.classification,
            allowed_purposes=tuple(self.allowed_purposes),
        )

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_preset(cls, value: object) -> object:
        if isinstance(value, str):
            if value not in PRESETS:
                raise ValueError(f"unknown policy preset {value!r}; presets: {sorted(PRESETS)}")
            return PRESETS[value]
        return value

    @field_validator("expectations", mode="before")
    @classmethod
    def _suites(cls, value: Any) -> Any:
        return suites_from(value)

    @field_validator("expectations")
    @classmethod
    def _suite_names(cls, suites: list[ExpectationSuiteSpec]) -> list[ExpectationSuiteSpec]:
        names = [suite.name for suite in suites]
        if CONTRACT_SUITE in names:
            raise ValueError(f"suite name {CONTRACT_SUITE!r} is reserved for the generated one")
        if len(set(names)) != len(names):
            raise ValueError(f"suite names must be unique, got {names}")
        return suites

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
        if self.partitioning in TIME_WINDOWS:
            if "{date" not in self.source:
                raise ValueError(
                    f"a {self.partitioning} dataset names its window in source with {{date}} or "
                    "{date:<strftime format>}, e.g. s3://landing/chats/{date}/*.jsonl"
                )
            if not self.partition_start:
                raise ValueError(f"a {self.partitioning} dataset needs partition_start")
        elif "{date" in self.source:
            raise ValueError("{date} in source needs partitioning hourly, daily or monthly")
        if self.raw_retention_days is not None and self.partitioning == "none":
            raise ValueError(
                "raw_retention_days purges whole partitions: a dataset without partitioning has "
                "one; choose partitioning daily, hourly, monthly or files"
            )
        return self

    @property
    def declared_columns(self) -> list[str]:
        """Every column the definition names (code, not data)."""
        return [*self.text_columns, *self.entity_columns, *self.passthrough_columns]
