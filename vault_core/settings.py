"""Where a vault keeps its zones, objects, keys and registry: one typed settings object."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_HOME = ".vault_home"
DEFAULT_TENANT = "default"
"""The tenant of datasets and principals that name none (``vault_core.access``)."""
HOME_ENV = "VAULT_HOME"


class VaultSettings(BaseModel):
    """Locations of one vault. Every location is an fsspec URL or a local path."""

    model_config = ConfigDict(frozen=True)

    home: str = Field(default=DEFAULT_HOME)
    """Root of the vault: zones, objects, keyring and registry live under it."""

    storage_options: dict[str, str] = Field(default_factory=dict)
    """fsspec / deltalake storage options for ``home`` (e.g. an S3 endpoint)."""

    master_secret_env: str = "VAULT_MASTER_SECRET"
    """Environment variable holding the master secret that protects the local keyring."""

    master_secret_file: str | None = None
    """File holding the master secret when the variable is unset. Default:
    ``$XDG_CONFIG_HOME/vault/master-secret`` (outside the vault home, never beside the data)."""

    @classmethod
    def from_env(cls) -> VaultSettings:
        """Settings for ``$VAULT_HOME`` (default ``.vault_home``), resolved to an absolute path."""
        return cls(home=resolve_home(os.environ.get(HOME_ENV, DEFAULT_HOME)))

    def path(self, *parts: str) -> str:
        """A location under the vault home."""
        return "/".join([self.home.rstrip("/"), *parts])

    @staticmethod
    def datasets_prefix(tenant: str = DEFAULT_TENANT) -> tuple[str, ...]:
        """The folders, under the home, that hold ``tenant``'s datasets: ``datasets`` for tenant
        ``default``, ``tenants/<tenant>/datasets`` for any other, so that each tenant's data sits
        under a prefix of its own (one bucket policy or IAM condition per tenant)."""
        return ("datasets",) if tenant == DEFAULT_TENANT else ("tenants", tenant, "datasets")

    @property
    def landing_url(self) -> str:
        """Default landing folder for demo data."""
        return self.path("landing")

    @property
    def objects_url(self) -> str:
        """Root of the content-addressed store of sealed objects."""
        return self.path("objects")

    @property
    def object_refs_url(self) -> str:
        """Root of the reference index: one Delta table per dataset of the addresses it uses."""
        return self.path("objects_refs")

    @property
    def keyring_path(self) -> str:
        """The local keyring file (wrapped keys only)."""
        return self.path("keys", "keyring.json")

    @property
    def registry_url(self) -> str:
        """Delta table of registry records."""
        return self.path("registry", "versions")


def resolve_home(home: str) -> str:
    """Make a local home absolute; leave URLs with a scheme as they are."""
    if "://" in home:
        return home
    return str(Path(home).expanduser().resolve())
