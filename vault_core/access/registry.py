"""The registry as a principal sees it: only versions of datasets it may list (a tenant never
learns another's names), and every write checked and audited."""

from __future__ import annotations

import builtins
from typing import Any

from vault_core.access.guard import AccessGuard
from vault_core.registry import Registry
from vault_core.registry.records import AssetVersion, Status, VersionCandidate
from vault_core.storage_options import StorageOptions


class GuardedRegistry(Registry):
    """A :class:`Registry` whose reads are filtered and whose writes are enforced."""

    def __init__(
        self, url: str, storage_options: StorageOptions | None, guard: AccessGuard
    ) -> None:
        super().__init__(url, storage_options)
        self._guard = guard

    def _records(self) -> dict[str, AssetVersion]:
        records = super()._records()
        visible = set(self._guard.visible(r.name for r in records.values()))
        return {key: r for key, r in records.items() if r.name in visible}

    def load(self, name: str, version: str | None = None, *, as_: Any = "polars") -> Any:
        """As :meth:`Registry.load`, after ``dataset:read``."""
        self._guard.require("dataset:read", name, details={"version": version or "latest"})
        return super().load(name, version, as_=as_)

    def register(self, candidate: VersionCandidate) -> tuple[AssetVersion, bool]:
        """As :meth:`Registry.register`, after ``dataset:register``."""
        self._guard.require("dataset:register", candidate.name)
        return super().register(candidate)

    def put(self, records: builtins.list[AssetVersion]) -> int:
        """As :meth:`Registry.put`, after ``dataset:register`` on every name."""
        for name in sorted({r.name for r in records}):
            self._guard.require("dataset:register", name, details={"records": len(records)})
        return super().put(records)

    def remove(self, keys: builtins.list[str]) -> int:
        """As :meth:`Registry.remove`, after ``dataset:register`` on every name."""
        for name in sorted({key.split("@", 1)[0] for key in keys}):
            self._guard.require("dataset:register", name)
        return super().remove(keys)

    def set_status(self, name: str, version: str, status: Status, reason: str) -> AssetVersion:
        """As :meth:`Registry.set_status`, after ``dataset:deprecate``."""
        self._guard.require(
            "dataset:deprecate", name, details={"version": version, "status": str(status)}
        )
        return super().set_status(name, version, status, reason)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """As :meth:`Registry.set_alias`, after ``dataset:alias``."""
        self._guard.require("dataset:alias", name, details={"alias": alias, "version": version})
        super().set_alias(name, alias, version)

    def remove_alias(self, name: str, alias: str) -> None:
        """As :meth:`Registry.remove_alias`, after ``dataset:alias``."""
        self._guard.require("dataset:alias", name, details={"alias": alias})
        super().remove_alias(name, alias)
