"""The vault as one object: settings, keyring, sealed store, tables and registry, for notebooks
and pipelines alike.

Example:
    >>> vault = Vault.open(".vault_home")
    >>> vault.registry.list()
    >>> vault.load("tickets")            # anonymized table as polars
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import Literal

import fsspec
import polars as pl
import pyarrow as pa

from vault_core import tables
from vault_core.crypto import KeyringMissingError, LocalKeyring
from vault_core.exceptions import ConfigurationError
from vault_core.raw_zone import ADDRESS_COLUMNS, open_records
from vault_core.registry import Registry
from vault_core.secrets import resolve_master_secret
from vault_core.settings import VaultSettings, resolve_home
from vault_core.storage import (
    ContentAddressedStore,
    ReferenceIndex,
    count_key_references,
    merge_references,
    table_references,
)

Zone = Literal["raw_manifest", "quarantine", "pii_findings", "anonymized"]
RECORD_ID_KEY_PURPOSE = "vault/record-id/v1"


class Vault:
    """Entry point to one vault home.

    Keys are created only for a brand-new vault (see :meth:`is_new`). Once anything was sealed,
    a missing keyring or master-secret file is an error naming what to restore: a fresh keyring
    would open none of the sealed data and would give new record ids and tokens. A
    ``read_only`` vault never creates a keyring, a secret file or a key version.
    """

    def __init__(
        self,
        settings: VaultSettings,
        *,
        master_secret: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.read_only = read_only
        self._master_secret = master_secret

    @classmethod
    def open(
        cls, home: str | None = None, *, master_secret: str | None = None, read_only: bool = False
    ) -> Vault:
        """Open the vault at ``home`` (default ``$VAULT_HOME`` or ``.vault_home``)."""
        settings = VaultSettings(home=resolve_home(home)) if home else VaultSettings.from_env()
        return cls(settings, master_secret=master_secret, read_only=read_only)

    def is_new(self) -> bool:
        """Whether this vault is brand new: the only state in which keys may be created.

        Decision: a vault is new when its keyring file is absent **and** none of ``objects/``
        (sealed objects, bodies, packs), ``datasets/`` (manifests, quarantine, anonymized
        tables: their record ids and tokens come from the keyring) and ``objects_refs/`` holds
        a file. Anything else means data exists that only the old keyring (and the master
        secret protecting it) can open, so the keyring and the secret file must be restored,
        not re-created. Empty folders do not count. Listing stops at the first file found and
        runs only while the keyring is absent.
        """
        if os.path.exists(self._keyring_file):
            return False
        return not any(
            self._holds_a_file(url)
            for url in (
                self.settings.objects_url,
                self.settings.path("datasets"),
                self.settings.object_refs_url,
            )
        )

    @cached_property
    def keyring(self) -> LocalKeyring:
        """The local keyring (wrapped keys only; the master secret lives elsewhere).

        Raises:
            KeyringMissingError: The keyring file is absent and the vault is not new (restore
                the file), or the vault is new and this vault is read-only (nothing sealed).
            MasterSecretError: A keyring exists but the master-secret file is missing.
        """
        path = self.settings.keyring_path
        exists = os.path.exists(self._keyring_file)
        if not exists and not self.is_new():
            raise KeyringMissingError(
                f"keyring file {self._keyring_file} is missing but the vault at "
                f"{self.settings.home} holds sealed objects or dataset tables: restore the "
                "keyring file (and its master secret) from backup; a new keyring would open "
                "none of the sealed data and would change every record id and token",
                path=self._keyring_file,
            )
        if not exists and self.read_only:
            raise KeyringMissingError(
                f"the vault at {self.settings.home} has no keyring yet: nothing was sealed",
                path=self._keyring_file,
            )
        create = not exists and not self.read_only
        secret = self._master_secret or resolve_master_secret(
            self.settings.master_secret_env, self.settings.master_secret_file, create=create
        )
        return LocalKeyring(path, secret, create=create, references=self._key_references)

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

    def references(self) -> dict[str, set[str]]:
        """Dataset -> every address it uses: the reference index plus the current manifest and
        quarantine tables (committed first, so a crash between the commits loses no root).

        The roots of ``vault gc`` and what ``vault verify`` expects to find. Reads no key.
        """
        return merge_references(
            self.object_refs.load(),
            table_references(
                self.settings.path("datasets"),
                ADDRESS_COLUMNS,
                self.settings.storage_options or None,
            ),
        )

    def datasets(self) -> list[str]:
        """Names of the datasets with tables under this home, sorted."""
        fs, path = fsspec.core.url_to_fs(
            self.settings.path("datasets"), **(self.settings.storage_options or {})
        )
        if not fs.exists(path):
            return []
        return sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False))

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
        manifest = self.read_table(dataset, "raw_manifest")  # first: a missing table opens no key
        return open_records(self.store, manifest)

    @property
    def _keyring_file(self) -> str:
        return os.path.abspath(self.settings.keyring_path)  # as LocalKeyring resolves it

    def _holds_a_file(self, url: str) -> bool:
        fs, root = fsspec.core.url_to_fs(url, **(self.settings.storage_options or {}))
        try:
            for _, _, files in fs.walk(root):
                if files:
                    return True
        except FileNotFoundError:
            return False
        return False

    def _key_references(self, key_id: str) -> int:
        return count_key_references(self.store, key_id)
