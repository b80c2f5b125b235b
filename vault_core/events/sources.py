"""Events derived from facts vault_core records itself: key versions, finished deliveries and
the audit log's denials.

Key versions: every version after the first of a scope is a rotation, every destroyed version a
destruction, each at the time the keyring recorded. The keyring is a small state, read whole on
every pass; the outbox's unique facts keep each event single. Finished deliveries are read after
the outbox cursor ``webhooks``; a delivery of a webhook event makes no event (no loops).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import blake3

from vault_core.audit import AuditEntry, AuditLog
from vault_core.crypto import KeyVersion
from vault_core.events.envelope import Envelope
from vault_core.events.outbox import Outbox
from vault_core.events.types import (
    WEBHOOK_EVENT_PREFIX,
    AccessDenied,
    DataErased,
    DatasetDeleted,
    KeyDestroyed,
    KeyRotated,
    WebhookDead,
    WebhookDelivered,
)
from vault_core.events.webhooks import Webhooks

WEBHOOKS_CURSOR = "webhooks"


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def key_events(versions: Iterable[KeyVersion]) -> list[Envelope]:
    """Rotation and destruction events of key versions (of any scopes)."""
    events: list[Envelope] = []
    for version in versions:
        if version.version > 1:
            previous = version.key_id.rsplit(":v", 1)[0] + f":v{version.version - 1}"
            events.append(
                Envelope.of(
                    KeyRotated(
                        dataset=version.scope,
                        key_id=version.key_id,
                        key_version=version.version,
                        previous_key_id=previous,
                    ),
                    fact=f"key:rotated:{version.key_id}",
                    time=_seconds(version.created),
                )
            )
        if version.status == "destroyed":
            events.append(
                Envelope.of(
                    KeyDestroyed(
                        dataset=version.scope, key_id=version.key_id, key_version=version.version
                    ),
                    fact=f"key:destroyed:{version.key_id}",
                    time=_seconds(version.destroyed or version.created),
                )
            )
    return events


def derive_webhook_events(webhooks: Webhooks, outbox: Outbox, *, batch: int = 1000) -> int:
    """Append the events of deliveries finished since the outbox's cursor; how many."""
    added = 0
    while True:
        after = outbox.cursor().get(WEBHOOKS_CURSOR, 0)
        finishes = webhooks.finished_after(after, limit=batch)
        if not finishes:
            return added
        events: list[Envelope] = []
        for done in finishes:
            if done.event_type.startswith(WEBHOOK_EVENT_PREFIX):
                continue
            common: dict[str, Any] = {
                "dataset": done.dataset,
                "subscription_id": done.subscription_id,
                "delivery_id": done.delivery_id,
                "event_id": done.event_id,
                "event_type": done.event_type,
                "attempts": done.attempts,
            }
            data: WebhookDelivered | WebhookDead
            if done.status == "delivered":
                data = WebhookDelivered.model_validate(
                    {**common, "status_code": done.status_code or 0}
                )
            else:
                data = WebhookDead.model_validate({**common, "last_error": done.error})
            events.append(
                Envelope.of(
                    data,
                    fact=f"webhook:{done.delivery_id}:{done.round}",
                    time=done.finished_ms / 1000,
                )
            )
        added += outbox.append(events, {WEBHOOKS_CURSOR: finishes[-1].seq})


AUDIT_CURSOR = "audit"
PRINCIPAL_DIGEST_PURPOSE = "vault/events/principal/v1"


def denial_events(entries: Iterable[AuditEntry], principal_key: bytes) -> list[Envelope]:
    """``vault.access.denied.v1`` events of the audit log's denials. The principal is a keyed
    digest (an id may be an e-mail address); the fact is the entry's chained hash."""
    events: list[Envelope] = []
    for entry in entries:
        if entry.decision != "deny":
            continue
        digest = blake3.blake3(entry.principal.encode("utf-8"), key=principal_key).hexdigest()
        events.append(
            Envelope.of(
                AccessDenied(
                    dataset=entry.dataset,
                    principal=f"principal:{digest[:24]}",
                    action=entry.action,
                    resource=entry.resource,
                    policy=entry.reason,
                ),
                fact=f"audit:{entry.seq}:{entry.hash}",
                time=datetime.fromisoformat(entry.time).timestamp(),
            )
        )
    return events


def _listed(value: int | str | None) -> list[str]:
    return [item for item in str(value or "").split(",") if item]


def erasure_events(entries: Iterable[AuditEntry]) -> list[Envelope]:
    """``vault.data.erased.v1`` and ``vault.dataset.deleted.v1`` events of the audit log's
    erasure and deletion entries (their details hold counts and versions only)."""
    events: list[Envelope] = []
    for entry in entries:
        time = datetime.fromisoformat(entry.time).timestamp()
        details = entry.details
        data: DataErased | DatasetDeleted
        if entry.action == "dataset:erased":
            data = DataErased(
                dataset=entry.dataset,
                erasure_id=str(details.get("erasure_id", "")),
                records=int(details.get("records", 0)),
                partitions=int(details.get("partitions", 0)),
                new_version=str(details.get("new_version", "")),
                erased_versions=_listed(details.get("erased_versions")),
                models=_listed(details.get("models")),
                reason=entry.reason,
            )
        elif entry.action == "dataset:deleted":
            data = DatasetDeleted(
                dataset=entry.dataset, versions=_listed(details.get("versions")),
                reason=entry.reason,
            )  # fmt: skip
        else:
            continue
        events.append(Envelope.of(data, fact=f"audit:{entry.seq}:{entry.hash}", time=time))
    return events


def derive_denial_events(log: AuditLog, outbox: Outbox, principal_key: bytes) -> int:
    """Append the events of audit entries after the outbox's ``audit`` cursor: denials,
    erasures and dataset deletions."""
    after = outbox.cursor().get(AUDIT_CURSOR, 0)
    entries = [e for e in log.entries() if e.seq >= after]
    if not entries:
        return 0
    events = denial_events(entries, principal_key) + erasure_events(entries)
    return outbox.append(events, {AUDIT_CURSOR: entries[-1].seq + 1})
