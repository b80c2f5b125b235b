"""The vault as one object: settings, keyring, sealed store, tables and registry, for notebooks
and pipelines alike.

Example:
    >>> vault = Vault.open(".vault_home")
    >>> vault.registry.list()
    >>> vault.load("tickets")            # anonymized table as polars
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

import polars as pl
import pyarrow as pa

from vault_core import tables
from vault_core.crypto import LocalKeyring
from vault_core.exceptions import ConfigurationError
from vault_core.raw_zone import open_records
from vault_core.registry import Registry
from vault_core.secrets import resolve_master_secret
from vault_core.settings import VaultSettings, resolve_home
from vault_core.storage import ContentAddressedStore, ReferenceIndex

Zone = Literal["raw_manifest", "quarantine", "pii_findings", "anonymized"]
RECORD_ID_KEY_PURPOSE = "vault/record-id/v1"


class Vault:
    """Entry point to one vault home."""

    def __init__(self, settings: VaultSettings, *, master_secret: str | None = None) -> None:
        self.settings = settings
        self._master_secret = master_secret

    @classmethod
    def open(cls, home: str | None = None, *, master_secret: str | None = None) -> Vault:
        """Open the vault at ``home`` (default ``$VAULT_HOME`` or ``.vault_home``)."""
        settings = VaultSettings(home=resolve_home(home)) if home else VaultSettings.from_env()
        return cls(settings, master_secret=master_secret)

    @cached_property
    def keyring(self) -> LocalKeyring:
        """The local keyring (wrapped keys only; the master secret lives elsewhere)."""
        secret = self._master_secret or resolve_master_secret(
            self.settings.master_secret_env, self.settings.master_secret_file
        )
        return LocalKeyring(self.settings.keyring_path, secret)

    @cached_property
    def store(self) -> ContentAddressedStore:
        """The content-addressed store of sealed objects."""
        return ContentAddressedStore(
            self.settings.objects_url,
            provider=self.keyring,
            storage_options=self.settings.storage_options or None,
        )

    @cached_property
    def object_refs(self) -> ReferenceIndex:
        """Which sealed objects each dataset uses (read by garbage collection)."""
        return ReferenceIndex(self.settings.object_refs_url, self.settings.storage_options or None)

    @cached_property
    def registry(self) -> Registry:
        """The registry of dataset versions."""
        return Registry.open(self.settings.registry_url, self.settings.storage_options or None)

    @cached_property
    def record_key(self) -> bytes:
        """Key of record ids (keyed digests of rows)."""
        return self.keyring.derive_subkey(RECORD_ID_KEY_PURPOSE)

    def table_url(self, dataset: str, zone: Zone) -> str:
        """Delta table URL of one zone of a dataset."""
        return self.settings.table_url(dataset, zone)

    def read_table(self, dataset: str, zone: Zone, *, version: int | None = None) -> pa.Table:
        """One zone of a dataset as Arrow (latest, or exactly Delta ``version``)."""
        return tables.read_table(
            self.table_url(dataset, zone),
            version=version,
            storage_options=self.settings.storage_options or None,
        )

    def load(
        self, dataset: str, zone: Zone = "anonymized", *, version: str | None = None
    ) -> pl.DataFrame:
        """One zone of a dataset as polars (default: the anonymized, training-safe table).

        With ``version`` (a semver or an alias such as ``production``), exactly the Delta version
        that registry version points at, its digest verified (see :meth:`Registry.load`).
        """
        if version is not None:
            if zone != "anonymized":
                raise ConfigurationError(
                    f"zone {zone!r} has no registry versions: load version={version!r} of the "
                    "'anonymized' zone, or read other zones with read_table(version=<delta>)"
                )
            table = self.registry.load(dataset, version, as_="arrow")
        else:
            table = self.read_table(dataset, zone)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def open_raw(self, dataset: str) -> pa.Table:
        """Decrypt the raw records of a dataset. Plaintext PII: keep it out of logs and outputs."""
        return open_records(self.store, self.read_table(dataset, "raw_manifest"))
