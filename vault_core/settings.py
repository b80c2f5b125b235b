"""Where a vault keeps its zones, objects, keys and registry: one typed settings object."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_HOME = ".vault_home"
DEFAULT_TENANT = "default"
"""The tenant of datasets and principals that name none (``vault_core.access``)."""
HOME_ENV = "VAULT_HOME"


class LocalKeys(BaseModel):
    """The embedded default: wrapping keys in a keyring file under the home
    (``keys/keyring.json``, a local file or an object), sealed by the master secret; tenants
    other than ``default`` get a keyring and a secret of their own."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["local"] = "local"


class AwsKmsKeys(BaseModel):
    """Wrapping keys in AWS KMS (``vault_core.crypto.AwsKmsProvider``, the ``kms`` extra): one
    KMS key per version of a dataset's wrapping key, named by the alias
    ``<alias_prefix>/<dataset>/v<N>``; subkeys from an HMAC KMS key. Credentials come from the
    environment (``AWS_*``, an instance or pod role), never from these settings."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["aws_kms"] = "aws_kms"

    region: str | None = None
    """AWS region of the keys (default: the environment's, ``AWS_DEFAULT_REGION``)."""

    endpoint_url: str | None = None
    """KMS endpoint (a VPC endpoint, or a local emulator in tests); default AWS's."""

    alias_prefix: str = "alias/vault"
    """Prefix of the aliases naming the key versions (one prefix per vault)."""

    key_ids: dict[str, str] = Field(default_factory=dict)
    """Pre-provisioned KMS keys (key id, ARN or ``alias/...``) by dataset name or by tenant:
    the first version of a dataset's wrapping key is the dataset's key, else its tenant's,
    else a key the vault creates. Later versions (rotation) are keys the vault creates.
    Destroying a version that is a tenant's key disables it for every dataset using it."""

    deletion_window_days: int = Field(default=7, ge=7, le=30)
    """Days KMS waits before deleting a destroyed version's key."""


KeysConfig = Annotated[LocalKeys | AwsKmsKeys, Field(discriminator="kind")]


class VaultSettings(BaseModel):
    """Locations of one vault. Every location is an fsspec URL or a local path."""

    model_config = ConfigDict(frozen=True)

    home: str = Field(default=DEFAULT_HOME)
    """Root of the vault: zones, objects, keyring and registry live under it."""

    storage_options: dict[str, Any] = Field(default_factory=dict)
    """Storage options for ``home`` (e.g. an S3 endpoint and credentials) in fsspec's spelling,
    deltalake's, or both (``vault_core.storage_options`` translates between them)."""

    state_dir: str | None = None
    """Local folder for what needs a POSIX file system and stays on the machine: the audit log,
    the access files (principals, policy, dataset catalog), the event outbox, MLflow's SQLite
    file and lock files. Default: the home itself when it is a local folder; for a URL home,
    ``$XDG_STATE_HOME/vault/<digest of the home URL>`` (``~/.local/state`` when unset)."""

    keys: KeysConfig = Field(default_factory=LocalKeys)
    """The key provider: the local keyring (default) or AWS KMS (``{"kind": "aws_kms", ...}``)."""

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

    @property
    def is_local(self) -> bool:
        """Whether the home is a local folder (not an object-store URL)."""
        return "://" not in self.home or self.home.startswith("file://")

    def local_path(self, *parts: str) -> str:
        """A location under the local state folder (see ``state_dir``)."""
        if self.state_dir is not None:
            root = self.state_dir
        elif self.is_local:
            root = self.home.removeprefix("file://")
        else:
            state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
            digest = hashlib.sha256(self.home.rstrip("/").encode("utf-8")).hexdigest()[:16]
            root = str(Path(state) / "vault" / digest)
        return os.path.join(root, *parts)

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
