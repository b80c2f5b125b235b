"""The registry: versions of assets in a Delta index, with the semantic version chosen by rule."""

from __future__ import annotations

import builtins
from typing import Any

import deltalake
import pyarrow as pa

from vault_core.registry.exceptions import NotFoundError
from vault_core.registry.records import (
    RECORD_SCHEMA,
    RegistryRecord,
    VersionCandidate,
    records_to_table,
    table_to_records,
)
from vault_core.registry.semver import INITIAL, Change, SemVer
from vault_core.tables import read_table


def classify_change(previous: RegistryRecord, candidate: VersionCandidate) -> Change:
    """Which kind of change ``candidate`` makes over ``previous`` (see :mod:`.semver`)."""
    if previous.schema_fingerprint != candidate.schema_fingerprint:
        return Change.SCHEMA
    if previous.data_version != candidate.data_version:
        return Change.DATA
    if previous.code_version != candidate.code_version:
        return Change.METADATA
    return Change.NONE


class Registry:
    """Registered versions of datasets (and later models, pipelines...) in a Delta table."""

    def __init__(self, url: str, storage_options: dict[str, str] | None = None) -> None:
        self.url = url
        self._options = dict(storage_options) if storage_options else None

    @classmethod
    def open(cls, url: str, storage_options: dict[str, str] | None = None) -> Registry:
        """Open (or lazily create) the registry whose Delta index lives at ``url``."""
        return cls(url, storage_options)

    def _table(self) -> pa.Table:
        if not deltalake.DeltaTable.is_deltatable(self.url, storage_options=self._options):
            return RECORD_SCHEMA.empty_table()
        return read_table(self.url, storage_options=self._options)

    def list(self, name: str | None = None, **filters: Any) -> builtins.list[RegistryRecord]:
        """All versions, oldest first; optionally of one asset and matching field filters."""
        records = table_to_records(self._table())
        if name is not None:
            records = [r for r in records if r.name == name]
        for field, value in filters.items():
            records = [r for r in records if str(getattr(r, field)) == str(value)]
        return sorted(records, key=lambda r: (r.name, SemVer.parse(r.version)))

    def names(self) -> builtins.list[str]:
        """Registered asset names."""
        return sorted({r.name for r in self.list()})

    def latest(self, name: str) -> RegistryRecord:
        """Newest version of ``name``; :class:`NotFoundError` if it was never registered."""
        versions = self.list(name)
        if not versions:
            raise NotFoundError(name, self.names())
        return versions[-1]

    def get(self, name: str, version: str) -> RegistryRecord:
        """One version of ``name``."""
        for record in self.list(name):
            if record.version == version:
                return record
        raise NotFoundError(f"{name}@{version}", [f"{r.name}@{r.version}" for r in self.list()])

    def register(self, candidate: VersionCandidate) -> tuple[RegistryRecord, bool]:
        """Record a new version unless nothing changed; return it and whether it is new."""
        previous = self.list(candidate.name)
        if previous:
            change = classify_change(previous[-1], candidate)
            if change is Change.NONE:
                return previous[-1], False
            version = SemVer.parse(previous[-1].version).bump(change)
        else:
            version = INITIAL
        record = RegistryRecord(**candidate.model_dump(), version=str(version))
        deltalake.write_deltalake(
            self.url,
            records_to_table([record]),
            mode="append",
            storage_options=self._options,
        )
        return record, True
