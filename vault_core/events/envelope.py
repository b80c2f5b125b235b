"""The CloudEvents 1.0 envelope (structured JSON mode) around one typed event.

The body is canonical JSON (sorted keys, no spaces): the same event always serializes to the
same bytes, which is what a rebuilt outbox is compared on and what a webhook signature covers.
``vaultfact`` (a CloudEvents extension attribute) names the source fact the event was derived
from, e.g. ``dagster:materialization:1234``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vault_core.events.ids import event_id
from vault_core.events.types import EventData

SPEC_VERSION = "1.0"
SOURCE = "urn:vault"


@dataclass(frozen=True)
class Envelope:
    """One event: its CloudEvents attributes and its typed data."""

    id: str
    type: str
    time_ms: int
    subject: str
    fact: str
    data: dict[str, Any]

    @classmethod
    def of(cls, data: EventData, *, fact: str, time: float) -> Envelope:
        """The event recording ``fact`` (a stable identity string) that happened at ``time``
        (seconds since the epoch); its id is derived from both, never random."""
        time_ms = round(time * 1000)
        return cls(
            id=event_id(fact, time_ms),
            type=data.TYPE,
            time_ms=time_ms,
            subject=data.subject(),
            fact=fact,
            data=data.model_dump(mode="json"),
        )

    @property
    def time(self) -> str:
        """RFC 3339 time (UTC, milliseconds)."""
        return rfc3339(self.time_ms)

    def to_dict(self) -> dict[str, Any]:
        """The CloudEvents JSON object."""
        return {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": SOURCE,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "vaultfact": self.fact,
            "data": self.data,
        }

    def to_json(self) -> str:
        """Canonical JSON of :meth:`to_dict`."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Envelope:
        """Inverse of :meth:`to_json`."""
        doc = json.loads(text)
        moment = datetime.fromisoformat(doc["time"].replace("Z", "+00:00"))
        return cls(
            id=doc["id"],
            type=doc["type"],
            time_ms=round(moment.timestamp() * 1000),
            subject=doc.get("subject", ""),
            fact=doc.get("vaultfact", ""),
            data=doc["data"],
        )


def rfc3339(time_ms: int) -> str:
    """``2026-12-01T10:00:00.123Z``."""
    moment = datetime.fromtimestamp(time_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
