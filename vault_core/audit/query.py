"""Filter audit entries: by principal, dataset, action, decision, tenant and time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vault_core.audit.entry import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Entries matching every given criterion (``None``: any). Times are ISO 8601 UTC prefixes
    compared as text (``2026-12-01`` or ``2026-12-01T10:00``)."""

    principal: str | None = None
    dataset: str | None = None
    action: str | None = None
    decision: str | None = None
    tenant: str | None = None
    since: str | None = None
    until: str | None = None

    def matches(self, entry: AuditEntry) -> bool:
        """Whether ``entry`` passes."""
        return (
            (self.principal is None or entry.principal == self.principal)
            and (self.dataset is None or entry.dataset == self.dataset)
            and (self.action is None or entry.action == self.action)
            and (self.decision is None or entry.decision == self.decision)
            and (self.tenant is None or entry.tenant == self.tenant)
            and (self.since is None or entry.time >= self.since)
            and (self.until is None or entry.time < self.until)
        )


def select(entries: Iterable[AuditEntry], criteria: AuditFilter) -> Iterator[AuditEntry]:
    """The entries ``criteria`` matches, in log order."""
    return (entry for entry in entries if criteria.matches(entry))
