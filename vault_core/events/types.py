"""The typed, versioned event records: what happened in the vault, in counts, ids and versions.

Every type carries its version in its name (``vault.version.registered.v1``); a change that
removes or retypes a field makes a ``.v2`` beside it. No field holds a value from the data: a
PII finding is a count by entity type, a record batch is a count of records, and a partition key
is the one the Dagster UI shows (already a digest when a landing path holds personal data).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from vault_core.events.exceptions import UnknownEventTypeError


class EventData(BaseModel):
    """The ``data`` of one event type; subclasses set ``TYPE``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]

    def subject(self) -> str:
        """The CloudEvents ``subject``: the dataset the event is about ("" when none)."""
        return str(getattr(self, "dataset", ""))


class DatasetCreated(EventData):
    """The first version of a dataset was registered."""

    TYPE: ClassVar[str] = "vault.dataset.created.v1"
    dataset: str
    version: str


class VersionRegistered(EventData):
    """A new registry version of a dataset (semver, data version, row count)."""

    TYPE: ClassVar[str] = "vault.version.registered.v1"
    dataset: str
    version: str
    data_version: str
    row_count: int
    delta_version: int | None = None
    status: str
    run_id: str


class RecordsAdded(EventData):
    """A partition of a dataset was ingested with new or changed records (counts only)."""

    TYPE: ClassVar[str] = "vault.records.added.v1"
    dataset: str
    partition: str | None
    records: int
    rows_in: int
    quarantined: int
    run_id: str


class PiiDetected(EventData):
    """PII found in the records of a new version: counts by entity type, never values."""

    TYPE: ClassVar[str] = "vault.pii.detected.v1"
    dataset: str
    version: str
    findings_by_type: dict[str, int]
    total: int


class VersionStatusChanged(EventData):
    """A version became deprecated, archived, non-compliant (or active again)."""

    TYPE: ClassVar[str] = "vault.version.status_changed.v1"
    dataset: str
    version: str
    status: str
    reason: str = ""
    """The operator's or the sync's reason (``vault registry deprecate --reason``)."""


class CheckFailed(EventData):
    """An asset check evaluated as failed (leftover PII is counted by type, never shown)."""

    TYPE: ClassVar[str] = "vault.check.failed.v1"
    dataset: str
    asset: str
    check: str
    severity: str
    run_id: str | None = None
    counts_by_type: dict[str, int] = Field(default_factory=dict)


class KeyRotated(EventData):
    """A dataset's wrapping key got a new version (``vault keys rotate``)."""

    TYPE: ClassVar[str] = "vault.key.rotated.v1"
    dataset: str
    key_id: str
    key_version: int
    previous_key_id: str


class KeyDestroyed(EventData):
    """A wrapping-key version was destroyed (crypto-shredding when it still protected data)."""

    TYPE: ClassVar[str] = "vault.key.destroyed.v1"
    dataset: str
    key_id: str
    key_version: int


class DataErased(EventData):
    """One person's records were erased from a dataset (right to erasure): counts, the new
    version, the versions now ``erased`` and what was trained on them; never an identifier."""

    TYPE: ClassVar[str] = "vault.data.erased.v1"
    dataset: str
    erasure_id: str
    records: int
    partitions: int
    new_version: str = ""
    erased_versions: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    """Models and datasets registered downstream of the erased versions (``impact``)."""
    reason: str = ""


class DatasetDeleted(EventData):
    """A whole dataset was deleted: keys shredded, data removed, versions marked deleted."""

    TYPE: ClassVar[str] = "vault.dataset.deleted.v1"
    dataset: str
    versions: list[str] = Field(default_factory=list)
    reason: str = ""


class AccessDenied(EventData):
    """An access policy refused an action (emitted by the access-control layer once it lands).

    ``principal`` is an opaque id: a keyed digest when the principal's name is personal data.
    """

    TYPE: ClassVar[str] = "vault.access.denied.v1"
    dataset: str
    principal: str
    action: str
    """e.g. ``decrypt``, ``load``, ``keys.rotate``, ``registry.write``."""
    resource: str
    """e.g. ``customers/raw`` or ``customers@1.2.0``."""
    policy: str = ""
    """The policy (or rule id) that decided."""


class WebhookDelivered(EventData):
    """A webhook delivery succeeded (never emitted about the delivery of a webhook event)."""

    TYPE: ClassVar[str] = "vault.webhook.delivered.v1"
    dataset: str
    subscription_id: str
    delivery_id: int
    event_id: str
    event_type: str
    attempts: int
    status_code: int


class WebhookDead(EventData):
    """A webhook delivery gave up after its retries (dead letter; ``vault webhooks redeliver``)."""

    TYPE: ClassVar[str] = "vault.webhook.dead.v1"
    dataset: str
    subscription_id: str
    delivery_id: int
    event_id: str
    event_type: str
    attempts: int
    last_error: str


EVENT_TYPES: dict[str, type[EventData]] = {
    cls.TYPE: cls
    for cls in (
        DatasetCreated,
        VersionRegistered,
        RecordsAdded,
        PiiDetected,
        VersionStatusChanged,
        CheckFailed,
        KeyRotated,
        KeyDestroyed,
        DataErased,
        DatasetDeleted,
        AccessDenied,
        WebhookDelivered,
        WebhookDead,
    )
}
"""Every event type by name."""

WEBHOOK_EVENT_PREFIX = "vault.webhook."
TEST_EVENT_TYPE = "vault.webhook.test.v1"
"""The type of ``vault webhooks test`` pings (sent directly, never stored in the outbox)."""


def expand_patterns(patterns: list[str]) -> list[str]:
    """Check subscription patterns (``vault.key.*``, ``*``, exact or without ``.v1``).

    Raises:
        UnknownEventTypeError: A pattern matches no known event type.
    """
    known = sorted(EVENT_TYPES)
    for pattern in patterns:
        if not any(matches(pattern, name) for name in known):
            raise UnknownEventTypeError(pattern, known)
    return patterns


def matches(pattern: str, event_type: str) -> bool:
    """Whether ``event_type`` is selected by ``pattern`` (a glob; the ``.vN`` suffix may be left
    out: ``vault.key.rotated`` selects every version of it)."""
    unversioned = event_type.rsplit(".", 1)[0]
    return fnmatchcase(event_type, pattern) or fnmatchcase(unversioned, pattern)
