"""Dagster resources: configuration in, ``vault_core`` objects out. No domain logic here."""

from __future__ import annotations

import dagster as dg
from pydantic import Field, PrivateAttr

from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings, resolve_home
from vault_core.vault import Vault


class VaultResource(dg.ConfigurableResource):
    """The vault home the assets read and write."""

    home: str
    """Vault home: a local folder or an fsspec URL (``s3://bucket/vault``)."""

    master_secret_env: str = "VAULT_MASTER_SECRET"
    """Name (not value) of the environment variable holding the keyring's master secret. When it
    is unset, the secret file outside the vault home is used (see ``vault_core.secrets``)."""

    storage_options: dict[str, str] = Field(default_factory=dict)
    """fsspec / deltalake storage options for ``home``."""

    _vault: Vault | None = PrivateAttr(default=None)

    def get_vault(self) -> Vault:
        """The ``Vault`` for this home, opened once per process."""
        if self._vault is None:
            settings = VaultSettings(
                home=resolve_home(self.home),
                storage_options=self.storage_options,
                master_secret_env=self.master_secret_env,
            )
            self._vault = Vault(settings)
        return self._vault


class PiiEngineResource(dg.ConfigurableResource):
    """PII engines, built once per process and per configuration (loading NER is expensive)."""

    _engines: dict[str, PiiEngine] = PrivateAttr(default_factory=dict)

    def engine(self, config: PiiEngineConfig) -> PiiEngine:
        """The engine for ``config``."""
        key = config.model_dump_json()
        if key not in self._engines:
            self._engines[key] = PiiEngine(config)
        return self._engines[key]


class WebhooksResource(dg.ConfigurableResource):
    """How the event sensor delivers webhooks (subscriptions live in the vault home)."""

    allow_networks: list[str] = Field(default_factory=list)
    """Non-public networks webhook URLs may resolve to, e.g. ``["127.0.0.1/32"]`` for local
    development. Every other private, loopback, link-local or metadata address is refused."""

    allow_networks_env: str = "VAULT_WEBHOOKS_ALLOW_NETWORKS"
    """Name (not value) of an environment variable adding comma-separated networks at run time."""

    timeout_seconds: float = 10.0
    """Seconds to wait for a receiver to connect and answer."""

    max_seconds_per_tick: float = 40.0
    """Stop delivering after this long in one sensor tick (the rest waits for the next)."""

    def networks(self) -> list[str]:
        """The allowed networks: configured ones plus those in the environment variable."""
        from vault_core.events import networks_from_env

        return [*self.allow_networks, *networks_from_env(self.allow_networks_env)]
