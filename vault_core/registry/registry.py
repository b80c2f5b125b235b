"""The registry: versions of assets in a Delta index, with the semantic version chosen by rule.

Example:
    >>> registry = Registry.open(".vault_home/registry/versions")
    >>> registry.list(kind="dataset", versions=">=1.1,<2")
    >>> registry.lineage("tickets", "1.1.0").source_files
    >>> registry.load("tickets", "1.0.0", as_="pandas")     # exactly that Delta version
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import pyarrow as pa

from vault_core.digest import table_digest
from vault_core.exceptions import VaultError
from vault_core.partition_tables import table_digest_by_files
from vault_core.registry._index import Index, alias_rows
from vault_core.registry.checks import ERROR, CheckEvaluation, affected
from vault_core.registry.exceptions import (
    IndexConflictError,
    IntegrityError,
    NotFoundError,
    StatusTransitionError,
    VersionDataError,
    VersionErasedError,
)
from vault_core.registry.graph import DependencyGraph
from vault_core.registry.policy import (
    DIGEST_ANNOTATION,
    PARTITION_FILES_DIGEST,
    TRAINING_READY,
    Policy,
    PolicyResult,
    evaluate,
)
from vault_core.registry.records import (
    Asset,
    AssetKind,
    AssetVersion,
    Status,
    StatusChange,
    VersionCandidate,
    records_to_table,
)
from vault_core.registry.semver import INITIAL, Change, SemVer, VersionRange
from vault_core.storage_options import StorageOptions
from vault_core.tables import read_table

Format = Literal["polars", "pandas", "arrow"]
StatusListener = Callable[[AssetVersion], None]
"""Called with a version after its status changed."""
_GONE = {Status.ERASED, Status.EXPIRED, Status.DELETED}
_ALLOWED: dict[Status, set[Status]] = {
    Status.ACTIVE: {Status.DEPRECATED, Status.ARCHIVED, Status.NON_COMPLIANT, *_GONE},
    Status.DEPRECATED: {Status.ACTIVE, Status.ARCHIVED, Status.NON_COMPLIANT, *_GONE},
    Status.NON_COMPLIANT: {Status.ARCHIVED, Status.ACTIVE, *_GONE},
    # Data erased or deleted is gone for good; an archived version's data can still be erased.
    Status.ARCHIVED: set(_GONE),
    Status.ERASED: {Status.DELETED},
    Status.EXPIRED: {Status.DELETED},
    Status.DELETED: set(),
}


def classify_change(previous: AssetVersion, candidate: VersionCandidate) -> Change:
    """Which kind of change ``candidate`` makes over ``previous`` (see :mod:`.semver`)."""
    if previous.schema_fingerprint != candidate.schema_fingerprint:
        return Change.SCHEMA
    if previous.data_version != candidate.data_version:
        return Change.POLICY if _policy_only(previous, candidate) else Change.DATA
    if (
        previous.code_version != candidate.code_version
        or previous.policy_digest != candidate.policy_digest
        or previous.depends_on != candidate.depends_on
        or previous.tags != candidate.tags
        or previous.annotations != candidate.annotations
        or previous.license != candidate.license
    ):
        return Change.METADATA
    return Change.NONE


def _policy_only(previous: AssetVersion, candidate: VersionCandidate) -> bool:
    """The data changed only because the policy did: same inputs, same release, other policy.
    Unknown inputs (records registered before ``input_version`` existed) count as new data."""
    return (
        previous.input_version is not None
        and previous.input_version == candidate.input_version
        and previous.policy_digest is not None
        and candidate.policy_digest is not None
        and previous.policy_digest != candidate.policy_digest
    )


@dataclass(frozen=True)
class Lineage:
    """The upstream graph of one version: registered versions, Dagster materializations (with
    run ids) and source files (with digests). Edges point upstream."""

    root: str
    nodes: dict[str, dict[str, Any]]
    edges: list[tuple[str, str]]

    @property
    def run_ids(self) -> set[str]:
        """Every Dagster run that produced something in the graph."""
        return {str(n["run_id"]) for n in self.nodes.values() if n.get("run_id")}

    @property
    def source_files(self) -> dict[str, str]:
        """Source file URL -> digest, for every source file reached."""
        return {
            str(n["url"]): str(n["digest"]) for n in self.nodes.values() if n["type"] == "source"
        }


@dataclass(frozen=True)
class VersionDiff:
    """What differs between two versions of an asset."""

    name: str
    old: str
    new: str
    change: Change
    schema_changed: bool
    row_count: tuple[int, int]
    pii_summary: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Entity type -> (old count, new count), only types whose count changed."""
    code_changed: bool = False


class Registry:
    """Registered versions of datasets, models, pipelines... in a Delta index."""

    def __init__(self, url: str, storage_options: StorageOptions | None = None) -> None:
        self.url = url
        self._options = dict(storage_options) if storage_options else None
        self._index = Index(url, self._options)
        self._listeners: builtins.list[StatusListener] = []

    @classmethod
    def open(cls, url: str, storage_options: StorageOptions | None = None) -> Registry:
        """Open (or lazily create) the registry whose Delta index lives at ``url``."""
        return cls(url, storage_options)

    # -- queries ---------------------------------------------------------------------------

    def _records(self) -> dict[str, AssetVersion]:
        return self._index.snapshot().records

    def list(
        self,
        name: str | None = None,
        *,
        kind: AssetKind | str | None = None,
        status: Status | str | None = None,
        tags: dict[str, str] | None = None,
        versions: str | None = None,
        **filters: Any,
    ) -> builtins.list[AssetVersion]:
        """Versions, by name then semver; filtered by kind, status, tags (all must match), a
        semver range (``>=1.1,<2``, ``^1.2``, ``~1.2``) and any other field equality."""
        wanted = VersionRange(versions) if versions else None
        records = [
            r
            for r in self._records().values()
            if (name is None or r.name == name)
            and (kind is None or str(r.kind) == str(kind))
            and (status is None or str(r.status) == str(status))
            and all(r.tags.get(k) == v for k, v in (tags or {}).items())
            and (wanted is None or r.semver in wanted)
            and all(str(getattr(r, f)) == str(v) for f, v in filters.items())
        ]
        return sorted(records, key=lambda r: (r.name, r.semver))

    def search(self, text: str = "", **criteria: Any) -> builtins.list[AssetVersion]:
        """Versions whose name, tag or annotation contains ``text``, and matching ``criteria``
        (the keyword filters of :meth:`list`)."""
        needle = text.lower()

        def hit(r: AssetVersion) -> bool:
            fields = [r.name, *r.tags.keys(), *r.tags.values(), *r.annotations.values()]
            return not needle or any(needle in value.lower() for value in fields)

        return [r for r in self.list(**criteria) if hit(r)]

    def names(self) -> builtins.list[str]:
        """Registered asset names."""
        return sorted({r.name for r in self._records().values()})

    def assets(self) -> builtins.list[Asset]:
        """One entry per registered asset, with its newest version."""
        latest: dict[str, AssetVersion] = {}
        counts: dict[str, int] = {}
        for r in self.list():
            latest[r.name] = r
            counts[r.name] = counts.get(r.name, 0) + 1
        return [
            Asset(
                name=r.name,
                kind=r.kind,
                owner=r.owner,
                license=r.license,
                tags=r.tags,
                latest=r.version,
                versions=counts[r.name],
            )
            for r in latest.values()
        ]

    def latest(self, name: str) -> AssetVersion:
        """Newest version of ``name``; :class:`NotFoundError` if it was never registered."""
        versions = self.list(name)
        if not versions:
            raise NotFoundError(name, self.names())
        return versions[-1]

    def get(self, name: str, version: str | None = None) -> AssetVersion:
        """One version of ``name``: a semver, an alias (``production``), or None / ``latest``."""
        if version in (None, "latest"):
            return self.latest(name)
        assert version is not None
        resolved = self.aliases(name).get(version, version)
        record = self._records().get(f"{name}@{resolved}")
        if record is None:
            if name not in self.names():
                raise NotFoundError(name, self.names())
            known = [r.key for r in self.list(name)]
            known += [f"{name}@{alias}" for alias in self.aliases(name)]
            raise NotFoundError(f"{name}@{version}", known)
        return record

    def history(self, name: str) -> builtins.list[AssetVersion]:
        """Every version of ``name`` oldest first, each with its status history."""
        versions = self.list(name)
        if not versions:
            raise NotFoundError(name, self.names())
        return versions

    def diff(self, name: str, old: str, new: str) -> VersionDiff:
        """Schema, row count and PII summary differences between two versions."""
        a, b = self.get(name, old), self.get(name, new)
        types = set(a.pii_summary) | set(b.pii_summary)
        pii = {
            t: (a.pii_summary.get(t, 0), b.pii_summary.get(t, 0))
            for t in sorted(types)
            if a.pii_summary.get(t, 0) != b.pii_summary.get(t, 0)
        }
        return VersionDiff(
            name=name,
            old=a.version,
            new=b.version,
            change=classify_change(a, b),
            schema_changed=a.schema_fingerprint != b.schema_fingerprint,
            row_count=(a.row_count, b.row_count),
            pii_summary=pii,
            code_changed=a.code_version != b.code_version,
        )

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version of ``name``."""
        return dict(self._index.snapshot().aliases.get(name, {}))

    # -- graph ------------------------------------------------------------------------------

    def graph(self, *, versions: bool = True) -> DependencyGraph:
        """Dependencies between registered versions (``name@version``) or asset names."""
        graph = DependencyGraph()
        for r in self.list():
            node = r.key if versions else r.name
            graph.add_node(node)
            for dep, dep_version in r.depends_on.items():
                graph.add(node, f"{dep}@{dep_version}" if versions else dep)
        return graph

    def lineage(self, name: str, version: str | None = None) -> Lineage:
        """The upstream graph of a version, down to source file digests and Dagster run ids."""
        root = self.get(name, version)
        nodes: dict[str, dict[str, Any]] = {}
        edges: list[tuple[str, str]] = []
        stack = [root]
        while stack:
            record = stack.pop()
            if record.key in nodes:
                continue
            nodes[record.key] = {
                "type": "version",
                "kind": str(record.kind),
                "status": str(record.status),
                "run_id": record.provenance.run_id or record.run_id,
                "code_version": record.code_version,
                "data_version": record.data_version,
            }
            for dep, dep_version in record.depends_on.items():
                edges.append((record.key, f"{dep}@{dep_version}"))
                stack.append(self.get(dep, dep_version))
            for ref in record.provenance.upstream:
                node = f"{ref.asset}@{ref.data_version}"
                nodes[node] = {
                    "type": "materialization",
                    "asset": ref.asset,
                    "run_id": ref.run_id,
                    "code_version": ref.code_version,
                    "storage_id": ref.storage_id,
                    "data_version": ref.data_version,
                }
                edges.append((record.key, node))
                for url, digest in ref.source_files.items():
                    source = f"{url}@{digest}"
                    nodes[source] = {"type": "source", "url": url, "digest": digest}
                    edges.append((node, source))
        return Lineage(root.key, nodes, edges)

    def impact(self, name: str, version: str | None = None) -> builtins.list[AssetVersion]:
        """Every version downstream of ``name`` (any version, or just ``version``): models
        trained on it, datasets derived from it."""
        roots = [self.get(name, version)] if version else self.history(name)
        graph = self.graph()
        found: set[str] = set()
        for root in roots:
            found |= graph.downstream(root.key)
        records = self._records()
        return sorted((records[k] for k in found), key=lambda r: (r.name, r.semver))

    def evaluate(
        self, name: str, version: str | None = None, policy: Policy = TRAINING_READY
    ) -> PolicyResult:
        """Evaluate ``policy`` (default "training-ready") on a version and its upstream."""
        record = self.get(name, version)
        records = self._records()
        upstream = [records[k] for k in sorted(self.graph().upstream(record.key)) if k in records]
        return evaluate(policy, record, upstream)

    # -- data -------------------------------------------------------------------------------

    def load(self, name: str, version: str | None = None, *, as_: Format = "polars") -> Any:
        """Exactly the Delta version behind a registry version, digest verified, as polars,
        pandas or Arrow. :class:`VersionDataError` if that version cannot be read,
        :class:`IntegrityError` if its content is not what was registered."""
        record = self.get(name, version)
        if record.status in _GONE:
            raise VersionErasedError(record.key, str(record.status), record.status_reason)
        try:
            table = read_table(
                record.storage_url, version=record.delta_version, storage_options=self._options
            )
        except Exception as exc:  # deltalake raises several unrelated types for a lost version
            raise VersionDataError(
                record.key, record.storage_url, record.delta_version, type(exc).__name__
            ) from exc
        if record.annotations.get(DIGEST_ANNOTATION) == PARTITION_FILES_DIGEST:
            assert record.delta_version is not None
            actual = table_digest_by_files(record.storage_url, record.delta_version, self._options)
        else:
            actual = table_digest(table)
        if actual != record.data_version:
            raise IntegrityError(record.key, record.data_version, actual)
        if as_ == "arrow":
            return table
        if as_ == "pandas":
            return table.to_pandas()
        import polars as pl

        return pl.from_arrow(table)

    # -- writes -----------------------------------------------------------------------------

    def register(self, candidate: VersionCandidate) -> tuple[AssetVersion, bool]:
        """Record a new version unless nothing changed; return it and whether it is new.

        Dependencies must be registered and must not close a cycle between asset names.
        """
        for dep, dep_version in candidate.depends_on.items():
            self.get(dep, dep_version)
        graph = self.graph(versions=False)
        for dep in candidate.depends_on:
            graph.add(candidate.name, dep)
        for _ in range(3):
            previous = self.list(candidate.name)
            if previous:
                change = classify_change(previous[-1], candidate)
                if change is Change.NONE:
                    return previous[-1], False
                version = previous[-1].semver.bump(change)
            else:
                version = INITIAL
            record = AssetVersion(**candidate.model_dump(), version=str(version))
            if self.put([record]):
                return record, True
            # Someone else registered this version number first: decide again.
        raise IndexConflictError(self.url, 3)

    def put(self, records: builtins.list[AssetVersion]) -> int:
        """Insert versions as they are (keys already present are left alone); how many were new.

        Used by the sync from the Dagster instance: replaying the same records is a no-op.
        """
        if not records:
            return 0
        return self._index.merge(records_to_table(records), update=False)

    def remove(self, keys: builtins.list[str]) -> int:
        """Remove versions (``name@version``) from the index; how many were removed.

        Only for versions that never existed in the orchestrator (the sync drops those written by
        a run that died before recording them); every other version moves through statuses.
        """
        return self._index.delete(keys)

    def set_status(self, name: str, version: str, status: Status, reason: str) -> AssetVersion:
        """Move a version along its lifecycle, recording when and why."""
        record = self.get(name, version)
        if status is record.status:
            return record
        updated = _with_status(record, status, reason)
        self._index.merge(records_to_table([updated]), update=True)
        self._notify(updated)
        return updated

    def replay_statuses(
        self, changes: builtins.list[tuple[str, StatusChange]]
    ) -> builtins.list[AssetVersion]:
        """Apply recorded status changes (``name@version``, change) in order, keeping their
        times, when a rebuilt index lacks them; the versions that changed.

        A change is skipped when its version is unknown, when it is not newer than the
        version's last change (already there, or superseded) or not an allowed transition; so a
        replay over a live index changes nothing. Listeners are not notified: this is history.
        """
        current = dict(self._records())
        changed: dict[str, AssetVersion] = {}
        for key, change in changes:
            record = current.get(key)
            if record is None or change.status is record.status:
                continue
            if record.status_history and change.at <= record.status_history[-1].at:
                continue
            if change.status not in _ALLOWED[record.status]:
                continue
            history = [*record.status_history, change]
            current[key] = changed[key] = record.model_copy(
                update={"status": change.status, "status_history": history}
            )
        if changed:
            self._index.merge(records_to_table(builtins.list(changed.values())), update=True)
        return sorted(changed.values(), key=lambda r: (r.name, r.semver))

    def updates_since(self, index_version: int) -> tuple[int, bool]:
        """(current index version, whether versions were updated, e.g. a status changed, after
        ``index_version``); cheap: reads the commit log, not the index."""
        return self._index.updates_since(index_version)

    def add_status_listener(self, listener: StatusListener) -> None:
        """Call ``listener`` with every version whose status this registry object changes
        (e.g. to report it to the orchestrator so its UI shows it)."""
        self._listeners.append(listener)

    def _notify(self, record: AssetVersion) -> None:
        for listener in self._listeners:
            listener(record)

    def apply_checks(
        self, evaluations: builtins.list[CheckEvaluation]
    ) -> builtins.list[AssetVersion]:
        """Record check evaluations made after registration on the versions built from the
        checked materializations; a failed ERROR check makes them ``non_compliant``.

        Evaluations apply in storage order (the latest result of a check wins). Returns the
        versions that changed; idempotent, so replaying evaluations changes nothing.
        """
        current = dict(self._records())
        changed: dict[str, AssetVersion] = {}
        status_changed: set[str] = set()
        for evaluation in sorted(evaluations, key=lambda e: e.storage_id):
            for record in affected(current.values(), evaluation):
                updated = record
                severity = evaluation.severity.upper()
                if (
                    record.checks.get(evaluation.check) is not evaluation.passed
                    or record.check_severities.get(evaluation.check, ERROR) != severity
                ):
                    checks = {**record.checks, evaluation.check: evaluation.passed}
                    severities = {**record.check_severities, evaluation.check: severity}
                    updated = updated.model_copy(
                        update={"checks": checks, "check_severities": severities}
                    )
                if evaluation.breaks_compliance and Status.NON_COMPLIANT in _ALLOWED[record.status]:
                    updated = _with_status(updated, Status.NON_COMPLIANT, evaluation.reason)
                    status_changed.add(record.key)
                if updated is not record:
                    current[record.key] = changed[record.key] = updated
        if changed:
            self._index.merge(records_to_table(builtins.list(changed.values())), update=True)
            for key in sorted(status_changed):
                self._notify(changed[key])
        return sorted(changed.values(), key=lambda r: (r.name, r.semver))

    def deprecate(self, name: str, version: str, reason: str) -> AssetVersion:
        """Mark a version deprecated (still loadable; fails "training-ready" downstream)."""
        return self.set_status(name, version, Status.DEPRECATED, reason)

    def archive(self, name: str, version: str, reason: str) -> AssetVersion:
        """Archive a version (final)."""
        return self.set_status(name, version, Status.ARCHIVED, reason)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` (e.g. ``production``) of ``name`` at ``version``."""
        if alias == "latest" or _is_semver(alias):
            raise ValueError(f"alias {alias!r} would shadow a version")
        self.get(name, version)
        self._index.merge(alias_rows(name, alias, version), update=True)

    def remove_alias(self, name: str, alias: str) -> None:
        """Remove an alias."""
        self._index.merge(alias_rows(name, alias, None), update=True)

    def table(self) -> pa.Table:
        """The index as Arrow (for analysis)."""
        return records_to_table(self.list())


def _with_status(record: AssetVersion, status: Status, reason: str) -> AssetVersion:
    if status not in _ALLOWED[record.status]:
        raise StatusTransitionError(record.key, str(record.status), str(status))
    change = StatusChange(status=status, at=datetime.now(UTC), reason=reason)
    return record.model_copy(
        update={"status": status, "status_history": [*record.status_history, change]}
    )


def _is_semver(text: str) -> bool:
    try:
        SemVer.parse(text)
    except VaultError:
        return False
    return True
