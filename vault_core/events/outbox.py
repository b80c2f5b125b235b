"""The durable outbox: every event, once per source fact, in a SQLite table in the vault home.

Derivers append events together with the cursor that produced them in one transaction, and the
table refuses a second event for a fact it holds (``fact`` is unique), so a crash between reading
and writing, or two derivers racing, never duplicates an event. Deleting the file and deriving
again from the same facts gives the same events (ids and bytes); only ``seq``, the local order of
arrival used for fan-out, may differ.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from vault_core.events._db import connect
from vault_core.events.envelope import Envelope

FILE_NAME = "outbox.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    fact TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredEvent:
    """An event as the outbox holds it: its arrival order and its envelope."""

    seq: int
    envelope: Envelope
    body: str
    """Canonical JSON of the envelope: the exact bytes delivered and signed."""


class Outbox:
    """The outbox file ``<folder>/outbox.sqlite3`` (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self._db = connect(self.path)
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('generation', ?)", (uuid.uuid4().hex,)
        )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @property
    def generation(self) -> str:
        """A random id of this outbox file: a new one after the file was deleted and rebuilt
        (fan-out then looks at every event again; deliveries are unique per event id)."""
        row = self._db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return str(row["value"])

    def cursor(self) -> dict[str, int]:
        """The derivers' cursor entries (source name -> last position read)."""
        rows = self._db.execute("SELECT name, value FROM cursor").fetchall()
        return {row["name"]: int(row["value"]) for row in rows}

    def append(self, events: Iterable[Envelope], cursor: Mapping[str, int] | None = None) -> int:
        """Add the events whose fact is new and advance ``cursor``, atomically; how many were
        added. Events of facts already held are skipped (exactly once per fact)."""
        added = 0
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for event in events:
                try:
                    self._db.execute(
                        "INSERT INTO events (id, fact, type, subject, time_ms, body) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            event.id,
                            event.fact,
                            event.type,
                            event.subject,
                            event.time_ms,
                            event.to_json(),
                        ),
                    )
                    added += 1
                except sqlite3.IntegrityError:
                    continue  # this fact (hence this id) is already recorded
            for name, value in (cursor or {}).items():
                self._db.execute(
                    "INSERT INTO cursor (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
                    (name, value),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return added

    def has_fact(self, fact: str) -> bool:
        """Whether an event of ``fact`` is recorded."""
        row = self._db.execute("SELECT 1 FROM events WHERE fact = ?", (fact,)).fetchone()
        return row is not None

    def events(
        self,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        dataset: str | None = None,
        type_prefix: str | None = None,
    ) -> list[StoredEvent]:
        """Events after ``after_seq`` in arrival order (optionally of one dataset or types)."""
        query = "SELECT seq, body FROM events WHERE seq > ?"
        params: list[object] = [after_seq]
        if dataset is not None:
            query += " AND subject = ?"
            params.append(dataset)
        if type_prefix is not None:
            query += " AND substr(type, 1, ?) = ?"
            params += [len(type_prefix), type_prefix]
        query += " ORDER BY seq"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [
            StoredEvent(int(row["seq"]), Envelope.from_json(row["body"]), row["body"])
            for row in self._db.execute(query, params)
        ]

    def bodies_by_id(self) -> list[str]:
        """Every event body sorted by id (time first): what two rebuilds are compared on."""
        return [row["body"] for row in self._db.execute("SELECT body FROM events ORDER BY id")]

    def count(self) -> int:
        """How many events the outbox holds."""
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])
