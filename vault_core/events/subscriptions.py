"""Webhook subscriptions: a URL, the event types and datasets it wants, where its secret is.

A subscription sees the events that happened after it was added (event time at or after its
creation), of the types its patterns select and (when it names datasets) of those datasets.
``tenant`` is recorded now and filters once datasets belong to tenants.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field

from vault_core.events.exceptions import SubscriptionNotFoundError
from vault_core.events.types import WEBHOOK_EVENT_PREFIX, matches

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    datasets TEXT NOT NULL,
    secret_env TEXT,
    secret_version INTEGER NOT NULL DEFAULT 1,
    tenant TEXT,
    created_ms INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class Subscription:
    """One webhook endpoint and what it receives."""

    id: str
    url: str
    events: list[str]
    """Event type patterns (``*``, ``vault.key.*``, ``vault.version.registered``)."""
    datasets: list[str] = field(default_factory=list)
    """Only these datasets (every dataset when empty)."""
    secret_env: str | None = None
    """The variable holding the signing secret; None: the secret is derived from the keyring."""
    secret_version: int = 1
    tenant: str | None = None
    created_ms: int = 0
    status: str = "active"
    """``active`` or ``disabled`` (a 410 answer, or by hand)."""
    status_reason: str = ""

    def wants(self, event_type: str, dataset: str, time_ms: int) -> bool:
        """Whether an event goes to this subscription."""
        if time_ms < self.created_ms:
            return False
        if self.datasets and dataset not in self.datasets:
            return False
        if event_type.startswith(WEBHOOK_EVENT_PREFIX) and not any(
            p.startswith(WEBHOOK_EVENT_PREFIX) for p in self.events
        ):
            return False  # `*` does not select webhook events: name them to get them
        return any(matches(pattern, event_type) for pattern in self.events)


def new_id() -> str:
    """``sub_`` + 16 random hex characters."""
    return "sub_" + secrets.token_hex(8)


def _row(row: sqlite3.Row) -> Subscription:
    return Subscription(
        id=row["id"],
        url=row["url"],
        events=json.loads(row["events"]),
        datasets=json.loads(row["datasets"]),
        secret_env=row["secret_env"],
        secret_version=int(row["secret_version"]),
        tenant=row["tenant"],
        created_ms=int(row["created_ms"]),
        status=row["status"],
        status_reason=row["status_reason"],
    )


def insert(db: sqlite3.Connection, sub: Subscription) -> None:
    """Store a new subscription."""
    db.execute(
        "INSERT INTO subscriptions (id, url, events, datasets, secret_env, secret_version, "
        "tenant, created_ms, status, status_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sub.id,
            sub.url,
            json.dumps(sub.events),
            json.dumps(sub.datasets),
            sub.secret_env,
            sub.secret_version,
            sub.tenant,
            sub.created_ms,
            sub.status,
            sub.status_reason,
        ),
    )


def get(db: sqlite3.Connection, subscription_id: str) -> Subscription:
    """One subscription.

    Raises:
        SubscriptionNotFoundError: No such id.
    """
    row = db.execute("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,)).fetchone()
    if row is None:
        raise SubscriptionNotFoundError(subscription_id)
    return _row(row)


def all_subscriptions(db: sqlite3.Connection) -> list[Subscription]:
    """Every subscription, oldest first."""
    rows = db.execute("SELECT * FROM subscriptions ORDER BY created_ms, id").fetchall()
    return [_row(row) for row in rows]


def set_status(db: sqlite3.Connection, subscription_id: str, status: str, reason: str) -> None:
    """Enable or disable a subscription.

    Raises:
        SubscriptionNotFoundError: No such id.
    """
    cursor = db.execute(
        "UPDATE subscriptions SET status = ?, status_reason = ? WHERE id = ?",
        (status, reason, subscription_id),
    )
    if cursor.rowcount == 0:
        raise SubscriptionNotFoundError(subscription_id)


def delete(db: sqlite3.Connection, subscription_id: str) -> None:
    """Remove a subscription (its delivery log stays).

    Raises:
        SubscriptionNotFoundError: No such id.
    """
    cursor = db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
    if cursor.rowcount == 0:
        raise SubscriptionNotFoundError(subscription_id)
