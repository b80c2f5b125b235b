"""Standard Webhooks signatures and where a subscription's secret comes from.

A secret is never stored beside the data. Either it is read at delivery time from an environment
variable the subscription names (``--secret-env``), or it is derived from the vault's keyring
(``vault/webhooks/<subscription>/v<n>``): nothing is written anywhere, and whoever holds the
keyring and its master secret can show it again (``vault webhooks secret ID``).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from vault_core.events.exceptions import SecretUnavailableError

SECRET_PREFIX = "whsec_"
DeriveSubkey = Callable[[str], bytes]


def keyring_secret(derive_subkey: DeriveSubkey, subscription_id: str, version: int = 1) -> str:
    """The ``whsec_...`` secret of a keyring-backed subscription."""
    key = derive_subkey(f"vault/webhooks/{subscription_id}/v{version}")
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def env_secret(name: str) -> str:
    """The secret in environment variable ``name`` (``whsec_`` + base64, as Standard Webhooks
    secrets are written).

    Raises:
        SecretUnavailableError: The variable is unset, empty or not such a secret.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        raise SecretUnavailableError(
            f"environment variable {name} (a webhook signing secret) is not set where the "
            "delivery runs: set it for dagster-daemon and the CLI"
        )
    try:
        raw = value.removeprefix(SECRET_PREFIX).rstrip("=")
        if not base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True):
            raise ValueError("empty secret")
    except (binascii.Error, ValueError) as exc:
        raise SecretUnavailableError(
            f"environment variable {name} does not hold a whsec_<base64> secret"
        ) from exc
    return value


def new_env_secret() -> str:
    """A fresh random secret to put into an environment variable (``whsec_`` + base64)."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode("ascii")


def signed_headers(secret: str, msg_id: str, body: bytes, timestamp: float) -> dict[str, str]:
    """The Standard Webhooks headers (and content type) of one attempt.

    ``timestamp`` is the wall-clock time of the attempt: receivers compare it with their own
    clock to refuse replays, so it is never a scheduling clock.
    """
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    signature = Webhook(secret).sign(msg_id, moment, body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature,
        "user-agent": "vault-webhooks/1",
    }
