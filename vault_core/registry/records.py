"""Assets and their registered versions, as stored in the registry's Delta index.

An index row holds the fields queries filter on (name, kind, version, status, ...) as columns and
the whole version as JSON in ``body``; ``key`` (``name@version``) makes every write idempotent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from vault_core.registry.semver import SemVer


def _now() -> datetime:
    return datetime.now(UTC)


class AssetKind(StrEnum):
    """Kinds of registered assets."""

    DATASET = "dataset"
    MODEL = "model"
    PIPELINE = "pipeline"
    POLICY = "policy"
    TEST_SUITE = "test_suite"


class Status(StrEnum):
    """Lifecycle of a version: active → deprecated → archived (final); or non_compliant.

    ``erased``: records were erased from the data it points at (right to erasure), which is no
    longer loadable; ``expired``: partitions of it were purged by the dataset's retention, so it
    is no longer loadable either; ``deleted``: its dataset was deleted. All keep the record and
    its lineage.
    """

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"
    NON_COMPLIANT = "non_compliant"
    ERASED = "erased"
    EXPIRED = "expired"
    DELETED = "deleted"


class StatusChange(BaseModel):
    """One step of a version's lifecycle."""

    model_config = ConfigDict(frozen=True)

    status: Status
    at: datetime = Field(default_factory=_now)
    reason: str = ""


class UpstreamRef(BaseModel):
    """One Dagster materialization a version was built from."""

    model_config = ConfigDict(frozen=True)

    asset: str
    """Dagster asset key (``tickets/anonymized``)."""
    data_version: str
    run_id: str | None = None
    code_version: str | None = None
    storage_id: int | None = None
    """Event-log storage id of the materialization in the Dagster instance."""
    source_files: dict[str, str] = Field(default_factory=dict)
    """Source file URL -> content digest (for ingest assets)."""


class Provenance(BaseModel):
    """Where a version came from: the run, the code and every input, down to source files."""

    model_config = ConfigDict(frozen=True)

    run_id: str | None = None
    code_version: str = ""
    upstream: list[UpstreamRef] = Field(default_factory=list)
    git_commit: str | None = None

    @property
    def source_files(self) -> dict[str, str]:
        """Every source file digest of every upstream materialization."""
        return {url: digest for ref in self.upstream for url, digest in ref.source_files.items()}


class VersionCandidate(BaseModel):
    """What a pipeline proposes to register; the registry decides the semantic version."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AssetKind = AssetKind.DATASET
    data_version: str
    """Content digest of the data (``b3:...``)."""
    code_version: str
    schema_fingerprint: str
    row_count: int
    storage_url: str
    delta_version: int | None = None
    pii_summary: dict[str, int] = Field(default_factory=dict)
    """Findings by entity type (counts only, never values)."""
    key_ids: list[str] = Field(default_factory=list)
    upstream: dict[str, str] = Field(default_factory=dict)
    """Upstream Dagster asset -> data version this version was built from."""
    depends_on: dict[str, str] = Field(default_factory=dict)
    """Registered asset name -> its semantic version this version depends on."""
    run_id: str | None = None
    owner: str | None = None
    license: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    checks: dict[str, bool] = Field(default_factory=dict)
    """Asset check name -> passed: the run that produced this version, then later evaluations
    of its upstream materializations (registry sync)."""
    check_severities: dict[str, str] = Field(default_factory=dict)
    """Asset check name -> ``ERROR`` or ``WARN``, as last evaluated (absent: ``ERROR``)."""
    policy_digest: str | None = None
    """Digest of the anonymization policy applied (None when no policy applies)."""
    partitions: dict[str, str] = Field(default_factory=dict)
    """Partition key -> data version of each partition the version contains (partitioned
    datasets; ``all`` for one without partitioning)."""
    input_version: str | None = None
    """Digest of what the policy was applied to (records, findings) and the release applying it;
    with ``policy_digest`` it tells a policy-only change (a patch) from new data (a minor)."""
    provenance: Provenance = Field(default_factory=Provenance)


class AssetVersion(VersionCandidate):
    """A registered version."""

    version: str
    status: Status = Status.ACTIVE
    created: datetime = Field(default_factory=_now)
    status_history: list[StatusChange] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """``name@version``: unique in the index."""
        return f"{self.name}@{self.version}"

    @property
    def semver(self) -> SemVer:
        """The version parsed."""
        return SemVer.parse(self.version)

    @property
    def status_reason(self) -> str:
        """Reason of the latest status change ("" while never changed)."""
        return self.status_history[-1].reason if self.status_history else ""

    @property
    def status_changed(self) -> datetime:
        """When the status last changed (the creation time while never changed)."""
        return self.status_history[-1].at if self.status_history else self.created

    def summary(self) -> dict[str, Any]:
        """The fields ``vault registry list`` shows."""
        return {
            "name": self.name,
            "kind": str(self.kind),
            "version": self.version,
            "data_version": self.data_version,
            "status": str(self.status),
            "created": self.created.isoformat(),
        }


RegistryRecord = AssetVersion
"""Former name of :class:`AssetVersion`."""


class Asset(BaseModel):
    """A registered asset: what its versions share, and its newest version."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AssetKind
    owner: str | None = None
    license: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    latest: str
    versions: int


RECORD_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("version", pa.string()),
        ("major", pa.int32()),
        ("minor", pa.int32()),
        ("patch", pa.int32()),
        ("data_version", pa.string()),
        ("status", pa.string()),
        ("created", pa.timestamp("us", tz="UTC")),
        ("body", pa.string()),
    ]
)


def records_to_table(records: list[AssetVersion]) -> pa.Table:
    """Arrow rows for the Delta index."""
    rows = []
    for record in records:
        semver = record.semver
        rows.append(
            {
                "key": record.key,
                "name": record.name,
                "kind": str(record.kind),
                "version": record.version,
                "major": semver.major,
                "minor": semver.minor,
                "patch": semver.patch,
                "data_version": record.data_version,
                "status": str(record.status),
                "created": record.created,
                "body": record.model_dump_json(),
            }
        )
    return pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)


def table_to_records(table: pa.Table) -> list[AssetVersion]:
    """Inverse of :func:`records_to_table` (one record per key, the body is authoritative)."""
    seen: dict[str, AssetVersion] = {}
    for body in table.column("body").to_pylist() if table.num_rows else []:
        record = AssetVersion.model_validate(json.loads(body))
        seen.setdefault(record.key, record)
    return list(seen.values())
