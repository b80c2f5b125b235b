"""Errors of the event outbox, subscriptions and webhook delivery."""

from __future__ import annotations

from vault_core.exceptions import ConfigurationError, TerminalError, VaultError


class EventsError(VaultError):
    """Base class of event and webhook errors."""


class TargetRefusedError(EventsError, TerminalError):
    """A webhook URL is not allowed: bad scheme, or it resolves to a private, loopback,
    link-local or metadata address the operator did not allow."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class SubscriptionNotFoundError(EventsError, TerminalError):
    """No subscription has this id."""

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"no webhook subscription {subscription_id!r}: see `vault webhooks list`")
        self.subscription_id = subscription_id


class DeliveryNotFoundError(EventsError, TerminalError):
    """No delivery has this id."""

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"no webhook delivery {delivery_id}: see `vault webhooks deliveries`")
        self.delivery_id = delivery_id


class SecretUnavailableError(EventsError, ConfigurationError):
    """A subscription's signing secret cannot be had (its variable is unset, or no keyring)."""


class UnknownEventTypeError(EventsError, ConfigurationError):
    """An event type (or pattern) names no known event type."""

    def __init__(self, pattern: str, known: list[str]) -> None:
        super().__init__(
            f"event type {pattern!r} matches no known type; known: {', '.join(known)} "
            "(a trailing * matches a prefix, e.g. 'vault.key.*')"
        )
        self.pattern = pattern


class OutboxError(EventsError, TerminalError):
    """The outbox or webhook database cannot be used where it is configured."""
