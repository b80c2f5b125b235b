"""Per-tenant key material: the wrapping keys of a tenant's datasets live in a keyring of its own
(``<home>/keys/tenants/<tenant>/keyring.json``) protected by the tenant's own master secret
(``$VAULT_MASTER_SECRET_<TENANT>``, else ``master-secret-<tenant>`` beside the vault's secret
file). A process that holds only the vault's master secret cannot unwrap a tenant's data keys,
whatever it does around the in-process checks; deleting the tenant's keyring (or destroying its
versions) shreds that tenant and nothing else.

Datasets of tenant ``default`` keep the vault's keyring. Subkeys (record ids, addresses, tokens)
stay with the vault's keyring: they key digests, they decrypt nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import fsspec

from vault_core.access.principal import DEFAULT_TENANT
from vault_core.crypto import KeyVersion, LocalKeyring
from vault_core.crypto.keyring_file import keyring_file
from vault_core.secrets import default_secret_file, resolve_master_secret
from vault_core.storage_options import StorageOptions, fsspec_options

_SCOPE_OF_KEY = re.compile(r"local:(?P<scope>.+):v[1-9][0-9]*", re.ASCII | re.DOTALL)
_SCOPE_OF_KMS_KEY = re.compile(r"aws-kms:(?P<scope>[A-Za-z0-9_-]+):v[1-9][0-9]*:\S+", re.ASCII)


def scope_of_key(key_id: str) -> str | None:
    """The scope (dataset) in a key id: ``local:<scope>:v<n>`` or
    ``aws-kms:<scope>:v<n>:<kms key id>``."""
    match = _SCOPE_OF_KEY.fullmatch(key_id) or _SCOPE_OF_KMS_KEY.fullmatch(key_id)
    return match["scope"] if match else None


def tenant_secret_env(tenant: str) -> str:
    """``VAULT_MASTER_SECRET_<TENANT>`` (upper case, ``-`` as ``_``)."""
    return "VAULT_MASTER_SECRET_" + tenant.upper().replace("-", "_")


def tenant_keyring_path(home_keys: str, tenant: str) -> str:
    """``<home>/keys/tenants/<tenant>/keyring.json`` (a local path or a URL)."""
    return "/".join([home_keys.rstrip("/"), "tenants", tenant, "keyring.json"])


def tenant_keyring_files(
    home_keys: str, storage_options: StorageOptions | None = None
) -> list[str]:
    """The keyring files (paths or URLs) of every tenant that has one, sorted."""
    fs, folder = fsspec.core.url_to_fs(
        "/".join([home_keys.rstrip("/"), "tenants"]), **fsspec_options(storage_options)
    )
    if not fs.isdir(folder):
        return []
    tenants = sorted(
        str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in fs.ls(folder, detail=False)
    )
    paths = (tenant_keyring_path(home_keys, tenant) for tenant in tenants)
    return [path for path in paths if keyring_file(path, storage_options).exists()]


def open_tenant_keyring(
    home_keys: str,
    tenant: str,
    references: Callable[[str], int] | None = None,
    *,
    read_only: bool = False,
    storage_options: StorageOptions | None = None,
) -> LocalKeyring:
    """The tenant's keyring, created with its secret on first use (never when ``read_only``:
    a missing keyring then raises ``KeyringMissingError``). ``home_keys`` is a local folder or
    a URL (``s3://bucket/home/keys``)."""
    path = tenant_keyring_path(home_keys, tenant)
    create = not keyring_file(path, storage_options).exists() and not read_only
    secret_file = default_secret_file().with_name(f"master-secret-{tenant}")
    secret = resolve_master_secret(tenant_secret_env(tenant), str(secret_file), create=create)
    return LocalKeyring(
        path, secret, create=create, references=references, storage_options=storage_options
    )


class TenantKeyrings:
    """A key provider that wraps each dataset's data keys with its tenant's keyring.

    ``tenant_of(scope)`` names a dataset's tenant; ``default`` is the vault's keyring.
    """

    def __init__(
        self,
        default: LocalKeyring,
        tenant_of: Callable[[str], str],
        open_tenant: Callable[[str], LocalKeyring],
    ) -> None:
        self.default = default
        self._tenant_of = tenant_of
        self._open_tenant = open_tenant
        self._keyrings: dict[str, LocalKeyring] = {}

    def for_scope(self, scope: str) -> LocalKeyring:
        """The keyring holding ``scope``'s wrapping keys."""
        tenant = self._tenant_of(scope)
        if tenant == DEFAULT_TENANT:
            return self.default
        if tenant not in self._keyrings:
            self._keyrings[tenant] = self._open_tenant(tenant)
        return self._keyrings[tenant]

    def _for_key(self, key_id: str) -> LocalKeyring:
        scope = scope_of_key(key_id)
        return self.for_scope(scope) if scope is not None else self.default

    # -- KeyProvider -------------------------------------------------------------------------

    def current_key_id(self, scope: str) -> str:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.for_scope(scope).current_key_id(scope)

    def wrap(self, scope: str, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.for_scope(scope).wrap(scope, data_key, context)

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self._for_key(key_id).unwrap(key_id, wrapped, context)

    def generate_data_key(self, scope: str, context: bytes) -> tuple[str, bytes, bytes]:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.for_scope(scope).generate_data_key(scope, context)

    def rewrap(
        self, key_id: str, wrapped: bytes, context: bytes, *, scope: str
    ) -> tuple[str, bytes]:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.wrap(scope, self.unwrap(key_id, wrapped, context), context)

    def derive_subkey(self, purpose: str) -> bytes:
        """See :class:`~vault_core.crypto.KeyProvider` (always the vault's keyring)."""
        return self.default.derive_subkey(purpose)

    def rotate(self, scope: str) -> str:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.for_scope(scope).rotate(scope)

    def destroy(self, key_id: str, *, shred: bool = False) -> None:
        """See :meth:`~vault_core.crypto.LocalKeyring.destroy`."""
        self._for_key(key_id).destroy(key_id, shred=shred)

    def versions(self, scope: str) -> list[KeyVersion]:
        """See :class:`~vault_core.crypto.KeyProvider`."""
        return self.for_scope(scope).versions(scope)
