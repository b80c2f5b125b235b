"""The vault as one object: settings, keyring, sealed store, tables and registry, for notebooks
and pipelines alike.

Every decrypt, load, key operation and registry write is checked against the access policy for
the acting principal (``principal=``, else ``$VAULT_PRINCIPAL``, else the OS login, looked up in
``<home>/access/principals.yaml``) and recorded in the audit log (``vault_core.access``,
``vault_core.audit``).

Example:
    >>> vault = Vault.open(".vault_home")
    >>> vault.registry.list()
    >>> vault.load("tickets")            # anonymized table as polars
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import fsspec
import polars as pl
import pyarrow as pa

from vault_core import tables
from vault_core.access import AccessGuard, Action, DatasetAccess, Principal
from vault_core.access.principal import DEFAULT_TENANT
from vault_core.access.registry import GuardedRegistry
from vault_core.access.tenant_keys import TenantKeyrings, open_tenant_keyring, scope_of_key
from vault_core.audit import CHECKPOINT_KEY_PURPOSE, AuditLog, CheckpointSigner
from vault_core.crypto import AwsKmsProvider, KeyringMissingError, LocalKeyring
from vault_core.crypto.keyring_file import KeyringFile, keyring_file
from vault_core.exceptions import ConfigurationError
from vault_core.raw_zone import ADDRESS_COLUMNS, open_records
from vault_core.registry import NotTrainingReadyError, PolicyResult, Registry
from vault_core.secrets import resolve_master_secret
from vault_core.settings import AwsKmsKeys, VaultSettings, resolve_home
from vault_core.storage import (
    ContentAddressedStore,
    ReferenceIndex,
    count_key_references,
    merge_references,
    table_references,
)
from vault_core.storage_options import fsspec_options

if TYPE_CHECKING:
    from datetime import datetime

    from vault_core.dataset import DatasetSpec
    from vault_core.erasure import ErasureReceipt

Zone = Literal["raw_manifest", "quarantine", "pii_findings", "anonymized", "subject_index"]
RECORD_ID_KEY_PURPOSE = "vault/record-id/v1"
TRAINING_PURPOSE = "training"
"""The declared purpose under which :meth:`Vault.load` serves training-ready versions only."""
# Zones readable with `dataset:read`: the anonymized table and the findings (offsets and types,
# never values). The manifest and the quarantine lead to sealed raw data: `dataset:read_raw`.
_READ_ZONES = ("anonymized", "pii_findings")


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
        principal: Principal | str | None = None,
        purpose: str | None = None,
    ) -> None:
        self.settings = settings
        self.read_only = read_only
        self._master_secret = master_secret
        self._principal = principal
        self.purpose = purpose

    @classmethod
    def open(
        cls,
        home: str | None = None,
        *,
        master_secret: str | None = None,
        read_only: bool = False,
        principal: Principal | str | None = None,
        purpose: str | None = None,
    ) -> Vault:
        """Open the vault at ``home`` (default ``$VAULT_HOME`` or ``.vault_home``).

        Args:
            principal: Who acts: a :class:`Principal`, or an id listed in the principals file
                (default ``$VAULT_PRINCIPAL``, else the OS login).
            purpose: Declared purpose of use, tested against a dataset's allowed purposes.
        """
        settings = VaultSettings(home=resolve_home(home)) if home else VaultSettings.from_env()
        return cls(
            settings,
            master_secret=master_secret,
            read_only=read_only,
            principal=principal,
            purpose=purpose,
        )

    def acting_as(self, principal: Principal | str | None, *, purpose: str | None = None) -> Vault:
        """This vault for another principal, sharing the opened keyring, store and audit log."""
        other = Vault(
            self.settings,
            master_secret=self._master_secret,
            read_only=self.read_only,
            principal=principal,
            purpose=purpose,
        )
        for shared in ("keyring", "key_provider", "store", "object_refs", "audit"):
            if shared in self.__dict__:
                other.__dict__[shared] = self.__dict__[shared]
        return other

    def acting_for(self, principal: str, *, purpose: str | None = None) -> Vault:
        """This vault for ``principal``, if the acting principal may act for it (its
        ``acts_for`` in the principals file; :class:`AccessDenied` otherwise, audited)."""
        self.access.act_for(principal)
        return self.acting_as(principal, purpose=purpose)

    # -- access control and audit ------------------------------------------------------------

    @cached_property
    def audit(self) -> AuditLog:
        """The audit log of this home (``<home>/audit``)."""
        return AuditLog.shared(self.settings.local_path("audit"), signer=self._checkpoint_signer)

    @cached_property
    def access(self) -> AccessGuard:
        """The access guard: who acts, the policy, the datasets' tenants."""
        return AccessGuard(
            self.settings.local_path("access"),
            self.audit,
            principal=self._principal,
            purpose=self.purpose,
            create=not self.read_only,
        )

    @property
    def principal(self) -> Principal:
        """Who acts on this vault."""
        return self.access.principal

    def claim(self, dataset: str, access: DatasetAccess) -> None:
        """Record the tenant, classification and purposes of ``dataset`` (once; the datasets
        file an admin edits wins afterwards).

        A dataset already sealed under the vault's keyring cannot move to another tenant (its
        keys would be looked for in the tenant's keyring): re-wrapping it is not built yet.
        """
        listed = dataset in self.access.catalog.all()
        if (
            not listed
            and access.tenant != DEFAULT_TENANT
            and self._uses_local_keys
            and self.has_keyring()
            and self.keyring.versions(dataset)
        ):
            raise ConfigurationError(
                f"dataset {dataset} was sealed under the vault's keyring (tenant "
                f"{DEFAULT_TENANT}); moving it to tenant {access.tenant} needs its data keys "
                "re-wrapped under that tenant's keyring, which is not built yet"
            )
        self.access.claim(dataset, access)

    def _checkpoint_signer(self) -> CheckpointSigner | None:
        try:
            return CheckpointSigner(self.derive_subkey(CHECKPOINT_KEY_PURPOSE))
        except KeyringMissingError:
            return None  # nothing sealed yet: entries chain, checkpoints start with the keyring

    def is_new(self) -> bool:
        """Whether this vault is brand new: the only state in which keys may be created.

        Decision: a vault is new when its keyring file is absent **and** none of ``objects/``
        (sealed objects, bodies, packs), ``datasets/`` and ``tenants/`` (manifests, quarantine,
        anonymized tables: their record ids and tokens come from the keyring) and
        ``objects_refs/`` holds a file. Anything else means data exists that only the old
        keyring (and the master secret protecting it) can open, so the keyring and the secret
        file must be restored, not re-created. Empty folders do not count. Listing stops at the
        first file found and runs only while the keyring is absent.
        """
        if self._uses_local_keys and self.has_keyring():
            return False
        return not any(
            self._holds_a_file(url)
            for url in (
                self.settings.objects_url,
                self.settings.path("datasets"),
                self.settings.path("tenants"),
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
        exists = self.has_keyring()
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
        return LocalKeyring(
            path,
            secret,
            create=create,
            references=self._key_references,
            storage_options=self.settings.storage_options,
        )

    def has_keyring(self) -> bool:
        """Whether the vault's keyring file exists (local path or object)."""
        return self._keyring_store.exists()

    @property
    def _uses_local_keys(self) -> bool:
        return self.settings.keys.kind == "local"

    def derive_subkey(self, purpose: str) -> bytes:
        """A stable 32-byte key for ``purpose`` (record ids, tokens, addresses) from the
        configured key provider: the local keyring, or KMS's HMAC key."""
        if self._uses_local_keys:
            return self.keyring.derive_subkey(purpose)
        return self.key_provider.derive_subkey(purpose)

    @cached_property
    def key_provider(self) -> TenantKeyrings | AwsKmsProvider:
        """The configured key provider (``settings.keys``). Local keys: wrapping keys per
        tenant, the vault's keyring for tenant ``default`` and a keyring of its own (and its
        own master secret) for every other tenant (``access.tenant_keys``). AWS KMS: one
        provider; a dataset's first key may be its own or its tenant's configured KMS key."""
        keys = self.settings.keys
        if isinstance(keys, AwsKmsKeys):
            return self._kms_provider(keys)
        return TenantKeyrings(
            self.keyring,
            tenant_of=lambda scope: self.access.catalog.get(scope).tenant,
            open_tenant=lambda tenant: open_tenant_keyring(
                self._keyring_file.rsplit("/", 1)[0],
                tenant,
                references=self._key_references,
                read_only=self.read_only,
                storage_options=self.settings.storage_options,
            ),
        )

    def _kms_provider(self, keys: AwsKmsKeys) -> AwsKmsProvider:
        client_kwargs: dict[str, Any] = {
            name: value
            for name, value in (("region_name", keys.region), ("endpoint_url", keys.endpoint_url))
            if value
        }

        def initial_key(scope: str) -> str | None:
            if scope in keys.key_ids:
                return keys.key_ids[scope]
            return keys.key_ids.get(self.access.catalog.get(scope).tenant)

        return AwsKmsProvider(
            alias_prefix=keys.alias_prefix,
            deletion_window_days=keys.deletion_window_days,
            initial_key=initial_key,
            **client_kwargs,
        )

    @cached_property
    def store(self) -> ContentAddressedStore:
        """The content-addressed store of sealed objects."""
        return ContentAddressedStore(
            self.settings.objects_url,
            provider=self.key_provider,
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
        in_tables: dict[str, set[str]] = {}
        for root in self._datasets_roots():
            found = table_references(root, ADDRESS_COLUMNS, self.settings.storage_options or None)
            in_tables.update(found)  # a name belongs to one tenant: no overlap
        return merge_references(self.object_refs.load(), in_tables, self._subject_key_references())

    def _subject_key_references(self) -> dict[str, set[str]]:
        """Dataset -> the sealed key of its subject index (a root: no table names it)."""
        from vault_core.subject_index import read_key_ref

        found: dict[str, set[str]] = {}
        options = self.settings.storage_options or None
        for root in self._datasets_roots():
            fs, path = fsspec.core.url_to_fs(root, **(options or {}))
            if not fs.exists(path):
                continue
            for entry in fs.ls(path, detail=False):
                name = str(entry).rstrip("/").rsplit("/", 1)[-1]
                ref = read_key_ref(root, name, options)
                if ref is not None:
                    found[name] = {ref.address}
        return found

    def datasets(self) -> list[str]:
        """Names of the datasets with tables under this home that the acting principal may
        list (``dataset:list``: never another tenant's), sorted."""
        names: list[str] = []
        for root in self._datasets_roots():
            fs, path = fsspec.core.url_to_fs(root, **fsspec_options(self.settings.storage_options))
            if fs.exists(path):
                names += [str(p).rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False)]
        return self.access.visible(names)

    @cached_property
    def registry(self) -> Registry:
        """The registry of dataset versions, as the acting principal may see it: versions of
        other tenants' datasets are invisible, writes are checked and audited."""
        return GuardedRegistry(
            self.settings.registry_url, self.settings.storage_options or None, self.access
        )

    @cached_property
    def record_key(self) -> bytes:
        """Key of record ids (keyed digests of rows)."""
        return self.derive_subkey(RECORD_ID_KEY_PURPOSE)

    def datasets_url_of(self, dataset: str) -> str:
        """The folder holding ``dataset``'s folder: its tenant's ``datasets``."""
        tenant = self.access.catalog.get(dataset).tenant
        return self.settings.path(*self.settings.datasets_prefix(tenant))

    def dataset_url(self, dataset: str, *parts: str) -> str:
        """Where ``dataset``'s tables and state live: under its tenant's prefix (see
        :meth:`VaultSettings.datasets_prefix`)."""
        return "/".join([self.datasets_url_of(dataset), dataset, *parts])

    def table_url(self, dataset: str, zone: Zone) -> str:
        """Delta table URL of one zone of a dataset."""
        return self.dataset_url(dataset, zone)

    def _datasets_roots(self) -> list[str]:
        """``<home>/datasets`` and every tenant's ``<home>/tenants/<t>/datasets``."""
        tenants = {access.tenant for access in self.access.catalog.all().values()}
        return [
            self.settings.path(*self.settings.datasets_prefix(tenant))
            for tenant in sorted(tenants | {DEFAULT_TENANT})
        ]

    def read_table(self, dataset: str, zone: Zone, *, version: int | None = None) -> pa.Table:
        """One zone of a dataset as Arrow (latest, or exactly Delta ``version``).

        Needs ``dataset:read`` for the anonymized and findings zones, ``dataset:read_raw`` for
        the manifest and the quarantine; audited.
        """
        action: Action = "dataset:read" if zone in _READ_ZONES else "dataset:read_raw"
        self.access.require(action, dataset, details={"zone": zone})
        if version is not None:
            from vault_core.erasure import check_readable

            check_readable(self, dataset, zone, version)  # time travel to erased rows: refused
        return tables.read_table(
            self.table_url(dataset, zone),
            version=version,
            storage_options=self.settings.storage_options or None,
        )

    def training_ready(self, dataset: str, version: str | None = None) -> PolicyResult:
        """Whether a registered version may be trained on: the registry's training-ready policy
        (active, anonymized, every ERROR check passed, every upstream version active) and the
        access policy allowing the acting principal to read it for purpose ``training``."""
        result = self.registry.evaluate(dataset, version)
        principal = self.principal
        decision = self.access.authorizer().decide(
            principal, "dataset:read", self.access.dataset(dataset), purpose=TRAINING_PURPOSE
        )
        failures = list(result.failures)
        if not decision.allowed:
            failures.append(
                f"the access policy does not let {principal.id} read it for training "
                f"({decision.reason})"
            )
        return PolicyResult(result.policy, result.key, failures)

    def load(
        self,
        dataset: str,
        zone: Zone = "anonymized",
        *,
        version: str | None = None,
        purpose: str | None = None,
    ) -> pl.DataFrame:
        """One zone of a dataset as polars (default: the anonymized, training-safe table).

        With ``version`` (a semver or an alias such as ``production``), exactly the Delta version
        that registry version points at, its digest verified (see :meth:`Registry.load`).

        ``purpose`` declares the purpose of use for this load (default: the vault's). For
        ``"training"`` only a registered, training-ready version is served (the latest when
        ``version`` is None): any other raises :class:`NotTrainingReadyError` with the reasons.
        """
        if purpose is not None and purpose != self.purpose:
            return self.acting_as(self._principal, purpose=purpose).load(
                dataset, zone, version=version
            )
        if self.purpose == TRAINING_PURPOSE:
            if zone != "anonymized":
                raise ConfigurationError(
                    f"zone {zone!r} is never served for training: load the 'anonymized' zone"
                )
            version = version or self.registry.latest(dataset).version
            ready = self.training_ready(dataset, version)
            if not ready.passed:
                self._refused(dataset, ready)
                raise NotTrainingReadyError(ready.key, ready.failures)
        if version is not None:
            if zone != "anonymized":
                raise ConfigurationError(
                    f"zone {zone!r} has no registry versions: load version={version!r} of the "
                    "'anonymized' zone, or read other zones with read_table(version=<delta>)"
                )
            table = self.registry.load(dataset, version, as_="arrow")  # checks dataset:read
        else:
            table = self.read_table(dataset, zone)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def _refused(self, dataset: str, ready: PolicyResult) -> None:
        principal = self.principal
        self.audit.record(
            principal=principal.id,
            tenant=principal.tenant,
            action="dataset:read",
            resource=f"dataset {dataset}",
            dataset=dataset,
            decision="deny",
            reason=f"{ready.key} not training-ready: {'; '.join(ready.failures)}",
            purpose=self.purpose,
            durable=True,
        )

    def open_raw(self, dataset: str) -> pa.Table:
        """Decrypt the raw records of a dataset. Plaintext PII: keep it out of logs and outputs.

        Needs ``dataset:read_raw``; the decrypt is audited with the number of objects opened.
        """
        self.access.require("dataset:read_raw", dataset, details={"zone": "raw"})
        manifest = tables.read_table(  # first: a missing table opens no key
            self.table_url(dataset, "raw_manifest"),
            storage_options=self.settings.storage_options or None,
        )
        records = open_records(self.store, manifest)
        self.audit.record(
            principal=self.principal.id,
            tenant=self.principal.tenant,
            action="dataset:decrypt",
            resource=f"dataset {dataset}",
            dataset=dataset,
            decision="info",
            reason="raw records decrypted",
            purpose=self.purpose,
            details={"records": records.num_rows, "manifest_rows": manifest.num_rows},
        )
        return records

    # -- erasure -----------------------------------------------------------------------------

    def erase(
        self,
        identifiers: Sequence[str],
        *,
        reason: str,
        dataset: str | None = None,
        dry_run: bool = False,
    ) -> ErasureReceipt:
        """Erase every record that holds any of ``identifiers`` (one person's e-mail addresses,
        phone numbers, ids...) from ``dataset``, or from every dataset the acting principal may
        list (its tenant's). Needs ``dataset:erase`` on each; audited.

        Records leave the raw zone (only the sealed objects holding them are re-sealed), the
        findings, the anonymized table and the subject index; the older Delta versions and
        objects that still hold them are deleted; each dataset touched gets a new registry
        version and the older ones become ``erased``. The receipt counts what was removed per
        dataset and zone (never an identifier) and ends with a verification. ``dry_run``: the
        same receipt, nothing changed.
        """
        from vault_core.erasure.erase import (
            build_receipt,
            check_request,
            erase_dataset,
            erasure_id,
            verify,
        )

        cleaned = check_request(identifiers, reason)
        names = [dataset] if dataset is not None else self.datasets()
        for name in names:
            self.access.require(
                "dataset:erase", name, details={"dry_run": int(dry_run)}, durable=True
            )
        eid = erasure_id(self, cleaned, dataset or f"tenant:{self.principal.tenant}", reason)
        registry = Registry(self.settings.registry_url, self.settings.storage_options or None)
        done = [
            erase_dataset(self, registry, name, cleaned, eid=eid, reason=reason, dry_run=dry_run)
            for name in names
        ]
        done = [d for d in done if d.records or d.partitions]
        checked = None if dry_run else verify(self, names, cleaned)
        receipt = build_receipt(
            eid=eid, dry_run=dry_run, reason=reason, principal=self.principal.id,
            identifiers=len(cleaned), datasets=done, verification=checked,
        )  # fmt: skip
        for item in done:
            self.audit.record(
                principal=self.principal.id,
                tenant=self.principal.tenant,
                action="dataset:erased" if not dry_run else "dataset:erase_planned",
                resource=f"dataset {item.dataset}",
                dataset=item.dataset,
                decision="info",
                reason=reason,
                details={
                    "erasure_id": eid,
                    "records": item.records,
                    "partitions": len(item.partitions),
                    "new_version": item.new_version or "",
                    "erased_versions": ",".join(item.erased_versions),
                    "models": ",".join(item.models),
                    "verified": int(checked.passed) if checked else -1,
                },
                durable=True,
            )
        return receipt

    def delete_dataset(self, dataset: str, *, reason: str) -> Any:
        """Delete ``dataset``: shred every key version, remove its sealed objects and tables,
        mark its registry versions ``deleted`` with ``reason`` (lineage kept). Needs
        ``dataset:delete``; audited. Returns a :class:`~vault_core.erasure.delete.DeletionReport`.
        """
        from vault_core.erasure.delete import delete_dataset
        from vault_core.erasure.exceptions import ErasureRequestError

        if not reason.strip():
            raise ErasureRequestError("deleting a dataset needs a reason")
        self.access.require("dataset:delete", dataset, details={"reason": reason}, durable=True)
        registry = Registry(self.settings.registry_url, self.settings.storage_options or None)
        report = delete_dataset(self, registry, dataset, reason)
        for key_id in report.keys_shredded:
            self._key_event("keys:shredded", dataset, key_id)
        self.audit.record(
            principal=self.principal.id,
            tenant=self.principal.tenant,
            action="dataset:deleted",
            resource=f"dataset {dataset}",
            dataset=dataset,
            decision="info",
            reason=reason,
            details={
                "keys": len(report.keys_shredded),
                "objects": report.objects_deleted,
                "versions": ",".join(report.versions),
            },
            durable=True,
        )
        return report

    def enforce_retention(
        self, spec: DatasetSpec, *, now: datetime | None = None, dry_run: bool = False
    ) -> Any:
        """Purge the partitions of ``spec`` older than its ``raw_retention_days`` from every
        zone and vacuum Delta versions older than its ``retention_hours`` (``dataset:erase``;
        audited). Returns a :class:`~vault_core.erasure.retention.RetentionReport`."""
        from vault_core.erasure import retention

        self.access.require(
            "dataset:erase", spec.name, details={"retention": 1, "dry_run": int(dry_run)},
            durable=True,
        )  # fmt: skip
        registry = Registry(self.settings.registry_url, self.settings.storage_options or None)
        report = retention.enforce(self, registry, spec, now=now, dry_run=dry_run)
        if report.partitions and not dry_run:
            self.audit.record(
                principal=self.principal.id,
                tenant=self.principal.tenant,
                action="dataset:expired",
                resource=f"dataset {spec.name}",
                dataset=spec.name,
                decision="info",
                reason=f"retention: {spec.raw_retention_days} days",
                details={
                    "partitions": len(report.partitions),
                    "records": report.records,
                    "new_version": report.new_version or "",
                    "expired_versions": ",".join(report.expired_versions),
                },
                durable=True,
            )
        return report

    # -- key operations ----------------------------------------------------------------------

    def rotate_keys(self, dataset: str) -> Any:
        """Rotate ``dataset``'s wrapping key and re-wrap its data keys (``keys:rotate``)."""
        from vault_core.storage import rotate_scope

        self.access.require("keys:rotate", dataset, durable=True)
        report = rotate_scope(self.store, dataset)
        self._key_event("keys:rotated", dataset, report.new_key_id)
        return report

    def destroy_key(self, key_id: str, *, shred: bool = False) -> None:
        """Destroy a wrapping-key version (``keys:destroy`` on its dataset); ``shred`` on
        purpose makes what it protected unrecoverable (see ``LocalKeyring.destroy``)."""
        dataset = self.key_scope(key_id)
        self.access.require(
            "keys:destroy", dataset, details={"key_id": key_id, "shred": int(shred)}, durable=True
        )
        self.key_provider.destroy(key_id, shred=shred)
        self._key_event("keys:shredded" if shred else "keys:destroyed", dataset, key_id)

    def destroy_tenant_keys(self, tenant: str) -> list[str]:
        """Crypto-shred every key version of every dataset of ``tenant`` and nothing else
        (``keys:destroy`` on each). Returns the destroyed key ids."""
        destroyed: list[str] = []
        for dataset, access in sorted(self.access.catalog.all().items()):
            if access.tenant != tenant:
                continue
            self.access.require("keys:destroy", dataset, details={"tenant": tenant}, durable=True)
            for version in self.key_provider.versions(dataset):
                if version.status != "destroyed":
                    self.key_provider.destroy(version.key_id, shred=True)
                    self._key_event("keys:shredded", dataset, version.key_id)
                    destroyed.append(version.key_id)
        return destroyed

    def key_scope(self, key_id: str) -> str:
        """The dataset (key scope) a key version belongs to."""
        scope = scope_of_key(key_id)
        if scope is not None and key_id in [v.key_id for v in self.key_provider.versions(scope)]:
            return scope
        raise ConfigurationError(f"key {key_id!r} is in no scope of this vault's keyring")

    def _key_event(self, what: str, dataset: str, key_id: str) -> None:
        principal = self.principal
        self.audit.record(
            principal=principal.id,
            tenant=principal.tenant,
            action=what,
            resource=f"dataset {dataset}",
            dataset=dataset,
            decision="info",
            reason="done",
            details={"key_id": key_id},
            durable=True,
        )

    @property
    def _keyring_file(self) -> str:
        return self._keyring_store.location  # as LocalKeyring resolves it

    @cached_property
    def _keyring_store(self) -> KeyringFile:
        return keyring_file(self.settings.keyring_path, self.settings.storage_options)

    def _holds_a_file(self, url: str) -> bool:
        fs, root = fsspec.core.url_to_fs(url, **fsspec_options(self.settings.storage_options))
        try:
            for _, _, files in fs.walk(root):
                if files:
                    return True
        except FileNotFoundError:
            return False
        return False

    def _key_references(self, key_id: str) -> int:
        return count_key_references(self.store, key_id)
