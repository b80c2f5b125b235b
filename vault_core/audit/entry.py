"""One audit entry (who, what, which resource, decision and reason, when; never a data value)
and the hash chain: each entry's ``hash`` covers its fields and the previous entry's hash."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GENESIS = "0" * 64
"""``prev`` of the first entry."""


class AuditEntry(BaseModel):
    """An entry as stored: one canonical JSON line of ``audit/log.jsonl``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=0)
    time: str
    """UTC, ISO 8601 with microseconds."""
    principal: str
    tenant: str
    action: str
    resource: str
    dataset: str = ""
    decision: Literal["allow", "deny", "info"]
    reason: str = ""
    purpose: str = ""
    details: dict[str, int | str] = Field(default_factory=dict)
    """Counts and ids only (records opened, key id...), never a value from the data."""
    prev: str
    hash: str

    def body(self) -> dict[str, object]:
        """Every field but ``hash``: what the hash covers."""
        return self.model_dump(mode="json", exclude={"hash"})

    def expected_hash(self) -> str:
        """The hash this entry must carry."""
        return chain_hash(self.body())

    def line(self) -> str:
        """The stored line (canonical JSON, no newline)."""
        return canonical(self.model_dump(mode="json"))


def canonical(value: object) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(body: dict[str, object]) -> str:
    """SHA-256 of an entry's canonical body (which includes the previous hash)."""
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
