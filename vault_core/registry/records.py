"""One registered version of an asset, as stored in the registry's Delta index."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field


class AssetKind(StrEnum):
    """Kinds of registered assets."""

    DATASET = "dataset"
    MODEL = "model"
    PIPELINE = "pipeline"
    POLICY = "policy"
    TEST_SUITE = "test_suite"


class Status(StrEnum):
    """Lifecycle of a version."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"
    NON_COMPLIANT = "non_compliant"


class VersionCandidate(BaseModel):
    """What a pipeline proposes to register; the registry decides the semantic version."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AssetKind = AssetKind.DATASET
    data_version: str
    code_version: str
    schema_fingerprint: str
    row_count: int
    storage_url: str
    delta_version: int | None = None
    pii_summary: dict[str, int] = Field(default_factory=dict)
    key_ids: list[str] = Field(default_factory=list)
    upstream: dict[str, str] = Field(default_factory=dict)
    """Upstream asset name -> data version this version was built from."""
    run_id: str | None = None
    owner: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class RegistryRecord(VersionCandidate):
    """A registered version."""

    version: str
    status: Status = Status.ACTIVE
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))

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


_JSON_FIELDS = ("pii_summary", "key_ids", "upstream", "tags")

RECORD_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("kind", pa.string()),
        ("version", pa.string()),
        ("major", pa.int32()),
        ("minor", pa.int32()),
        ("patch", pa.int32()),
        ("data_version", pa.string()),
        ("code_version", pa.string()),
        ("schema_fingerprint", pa.string()),
        ("row_count", pa.int64()),
        ("storage_url", pa.string()),
        ("delta_version", pa.int64()),
        ("status", pa.string()),
        ("created", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        ("owner", pa.string()),
        *[(name, pa.string()) for name in _JSON_FIELDS],
    ]
)


def records_to_table(records: list[RegistryRecord]) -> pa.Table:
    """Arrow rows for the Delta index (nested fields as JSON text)."""
    rows = []
    for record in records:
        row = record.model_dump(mode="python")
        major, minor, patch = (int(part) for part in record.version.split("."))
        row.update(major=major, minor=minor, patch=patch, kind=str(record.kind))
        row["status"] = str(record.status)
        for name in _JSON_FIELDS:
            row[name] = json.dumps(row[name], sort_keys=True)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)


def table_to_records(table: pa.Table) -> list[RegistryRecord]:
    """Inverse of :func:`records_to_table`."""
    records = []
    for row in table.to_pylist():
        for name in _JSON_FIELDS:
            row[name] = json.loads(row[name]) if row[name] else None
        for name in ("major", "minor", "patch"):
            row.pop(name)
        records.append(
            RegistryRecord.model_validate({k: v for k, v in row.items() if v is not None})
        )
    return records
