"""The delivery log: one row per (subscription, event), and one row per attempt.

A delivery is ``pending`` (due at ``next_ms``), ``sending`` (an attempt in flight, leased until
``lease_ms``), ``delivered`` or ``dead``. Each time a delivery finishes, a row is appended to
``finishes`` (never updated): the facts ``vault.webhook.delivered`` / ``.dead`` events are derived
from, in their order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    dataset TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    tries INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    round INTEGER NOT NULL DEFAULT 1,
    next_ms INTEGER NOT NULL,
    lease_ms INTEGER,
    created_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    last_status INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (status, subscription_id, dataset, id);
CREATE TABLE IF NOT EXISTS finishes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    round INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT NOT NULL,
    finished_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    status_code INTEGER,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id, n);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription, and how its delivery went."""

    id: int
    subscription_id: str
    event_id: str
    event_type: str
    dataset: str
    status: str
    tries: int
    """Attempts in the current round (a redelivery starts a new round)."""
    attempts: int
    """Attempts in every round."""
    round: int
    next_ms: int
    created_ms: int
    finished_ms: int | None
    last_status: int | None
    last_error: str
    body: str


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a delivery."""

    delivery_id: int
    n: int
    started_ms: int
    finished_ms: int | None
    status_code: int | None
    error: str


def delivery_of(row: sqlite3.Row) -> Delivery:
    """A ``deliveries`` row as a :class:`Delivery`."""
    return Delivery(
        id=int(row["id"]),
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        dataset=row["dataset"],
        status=row["status"],
        tries=int(row["tries"]),
        attempts=int(row["attempts"]),
        round=int(row["round"]),
        next_ms=int(row["next_ms"]),
        created_ms=int(row["created_ms"]),
        finished_ms=row["finished_ms"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        body=row["body"],
    )


def attempt_of(row: sqlite3.Row) -> Attempt:
    """An ``attempts`` row as an :class:`Attempt`."""
    return Attempt(
        delivery_id=int(row["delivery_id"]),
        n=int(row["n"]),
        started_ms=int(row["started_ms"]),
        finished_ms=row["finished_ms"],
        status_code=row["status_code"],
        error=row["error"],
    )


@dataclass(frozen=True)
class Finish:
    """A delivery that finished (one round of it): a fact for the webhook events."""

    seq: int
    delivery_id: int
    round: int
    status: str
    """``delivered`` or ``dead``."""
    attempts: int
    status_code: int | None
    error: str
    finished_ms: int
    subscription_id: str
    event_id: str
    event_type: str
    dataset: str


def finish_of(row: sqlite3.Row) -> Finish:
    """A ``finishes`` row joined to its delivery as a :class:`Finish`."""
    return Finish(
        seq=int(row["seq"]),
        delivery_id=int(row["delivery_id"]),
        round=int(row["round"]),
        status=row["status"],
        attempts=int(row["attempts"]),
        status_code=row["status_code"],
        error=row["error"],
        finished_ms=int(row["finished_ms"]),
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        dataset=row["dataset"],
    )
