"""Delete a whole dataset: shred its keys, remove its objects and tables, mark its registry
versions ``deleted`` (the records and their lineage stay, their data is gone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import fsspec

from vault_core.registry import Registry
from vault_core.registry.records import Status
from vault_core.storage_options import fsspec_options

if TYPE_CHECKING:
    from vault_core.vault import Vault


@dataclass(frozen=True)
class DeletionReport:
    """What deleting a dataset removed (counts and ids, never data)."""

    dataset: str
    keys_shredded: list[str] = field(default_factory=list)
    objects_deleted: int = 0
    tables_removed: bool = False
    versions: list[str] = field(default_factory=list)
    """Registry versions marked ``deleted``."""


def delete_dataset(vault: Vault, registry: Registry, dataset: str, reason: str) -> DeletionReport:
    """Shred, remove and mark; idempotent (a rerun after a crash finishes the job)."""
    shredded = []
    for version in vault.key_provider.versions(dataset):
        if version.status != "destroyed":
            vault.key_provider.destroy(version.key_id, shred=True)
            shredded.append(version.key_id)
    # Shredded first: whatever a crash leaves behind is unreadable already.
    objects = vault.store.delete_many(list(vault.store.list_scope(dataset)))
    fs, path = fsspec.core.url_to_fs(
        vault.dataset_url(dataset), **fsspec_options(vault.settings.storage_options)
    )
    removed = False
    if fs.exists(path):
        fs.rm(path, recursive=True)
        removed = True
    versions = []
    for record in registry.list(dataset):
        if record.status is not Status.DELETED:
            registry.set_status(record.name, record.version, Status.DELETED, reason)
            versions.append(record.key)
    return DeletionReport(dataset, shredded, objects, removed, versions)
