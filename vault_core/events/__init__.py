"""Events of the vault: typed records in a CloudEvents envelope, a durable outbox, webhook
subscriptions and their signed, retried delivery. No Dagster here: ``vault_pipelines.events``
derives the events the Dagster instance records and runs the delivery sensor."""

from vault_core.events._db import events_folder as events_folder
from vault_core.events.deliveries import Attempt as Attempt
from vault_core.events.deliveries import Delivery as Delivery
from vault_core.events.envelope import Envelope as Envelope
from vault_core.events.exceptions import DeliveryNotFoundError as DeliveryNotFoundError
from vault_core.events.exceptions import EventsError as EventsError
from vault_core.events.exceptions import OutboxError as OutboxError
from vault_core.events.exceptions import SecretUnavailableError as SecretUnavailableError
from vault_core.events.exceptions import SubscriptionNotFoundError as SubscriptionNotFoundError
from vault_core.events.exceptions import TargetRefusedError as TargetRefusedError
from vault_core.events.exceptions import UnknownEventTypeError as UnknownEventTypeError
from vault_core.events.ids import event_id as event_id
from vault_core.events.outbox import Outbox as Outbox
from vault_core.events.outbox import StoredEvent as StoredEvent
from vault_core.events.sources import denial_events as denial_events
from vault_core.events.sources import derive_denial_events as derive_denial_events
from vault_core.events.sources import derive_webhook_events as derive_webhook_events
from vault_core.events.sources import erasure_events as erasure_events
from vault_core.events.sources import key_events as key_events
from vault_core.events.subscriptions import Subscription as Subscription
from vault_core.events.targets import networks_from_env as networks_from_env
from vault_core.events.targets import resolve_target as resolve_target
from vault_core.events.types import EVENT_TYPES as EVENT_TYPES
from vault_core.events.types import AccessDenied as AccessDenied
from vault_core.events.types import CheckFailed as CheckFailed
from vault_core.events.types import DataErased as DataErased
from vault_core.events.types import DatasetCreated as DatasetCreated
from vault_core.events.types import DatasetDeleted as DatasetDeleted
from vault_core.events.types import EventData as EventData
from vault_core.events.types import KeyDestroyed as KeyDestroyed
from vault_core.events.types import KeyRotated as KeyRotated
from vault_core.events.types import PiiDetected as PiiDetected
from vault_core.events.types import RecordsAdded as RecordsAdded
from vault_core.events.types import VersionRegistered as VersionRegistered
from vault_core.events.types import VersionStatusChanged as VersionStatusChanged
from vault_core.events.types import WebhookDead as WebhookDead
from vault_core.events.types import WebhookDelivered as WebhookDelivered
from vault_core.events.webhooks import RETRY_SCHEDULE as RETRY_SCHEDULE
from vault_core.events.webhooks import DeliveryReport as DeliveryReport
from vault_core.events.webhooks import Webhooks as Webhooks

__all__ = [
    "EVENT_TYPES",
    "RETRY_SCHEDULE",
    "AccessDenied",
    "Attempt",
    "CheckFailed",
    "DataErased",
    "DatasetCreated",
    "DatasetDeleted",
    "Delivery",
    "DeliveryNotFoundError",
    "DeliveryReport",
    "Envelope",
    "EventData",
    "EventsError",
    "KeyDestroyed",
    "KeyRotated",
    "Outbox",
    "OutboxError",
    "PiiDetected",
    "RecordsAdded",
    "SecretUnavailableError",
    "StoredEvent",
    "Subscription",
    "SubscriptionNotFoundError",
    "TargetRefusedError",
    "UnknownEventTypeError",
    "VersionRegistered",
    "VersionStatusChanged",
    "WebhookDead",
    "WebhookDelivered",
    "Webhooks",
    "denial_events",
    "derive_denial_events",
    "derive_webhook_events",
    "erasure_events",
    "event_id",
    "events_folder",
    "key_events",
    "networks_from_env",
    "resolve_target",
]
