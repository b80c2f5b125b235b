"""The principals file (``<home>/access/principals.yaml``), which a user edits, and how the
acting principal is found: ``VAULT_PRINCIPAL``, else the operating-system login.

A vault without a principals file gets one on first open that names the operating-system user
who opened it as ``admin`` of tenant ``default`` and the pipelines' service principal as
``developer`` (like ``initdb`` making its caller the superuser); the audit log records it.
"""

from __future__ import annotations

import getpass
import os

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from vault_core.access._yaml_lines import load_yaml_model
from vault_core.access.exceptions import PrincipalsFileError, UnknownPrincipalError
from vault_core.access.principal import Level, Principal
from vault_core.durable import replace_file, shared_file_mode

PRINCIPAL_ENV = "VAULT_PRINCIPAL"
SERVICE_PRINCIPAL = "service:pipelines"
"""Default principal of Dagster runs (``VaultResource.principal``)."""


class PrincipalsFile(BaseModel):
    """Schema of ``principals.yaml``."""

    model_config = ConfigDict(extra="forbid")

    principals: list[Principal]

    @model_validator(mode="after")
    def _unique(self) -> PrincipalsFile:
        seen: set[str] = set()
        for principal in self.principals:
            if principal.id in seen:
                raise ValueError("a principal id is listed twice")
            seen.add(principal.id)
        return self

    def get(self, principal_id: str) -> Principal | None:
        """The principal named ``principal_id``, if listed."""
        return next((p for p in self.principals if p.id == principal_id), None)


def read_principals(path: str) -> PrincipalsFile:
    """Load and validate the principals file (:class:`PrincipalsFileError` names the line)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return load_yaml_model(text, path, PrincipalsFile, PrincipalsFileError)


def bootstrap_principals(path: str) -> list[Principal]:
    """Write the first principals file (if absent): the OS user as admin, the service principal
    as developer, both of tenant ``default``. Returns whom it added (empty if it existed)."""
    if os.path.exists(path):
        return []
    first = bootstrap_list()
    write_principals(path, PrincipalsFile(principals=first))
    return first


def bootstrap_list() -> list[Principal]:
    """Who a first principals file names (see the module docstring)."""
    return [
        Principal(id=os_user(), roles=("admin",), clearance=Level.RESTRICTED),
        Principal(id=SERVICE_PRINCIPAL, roles=("developer",), clearance=Level.RESTRICTED),
    ]


def write_principals(path: str, principals: PrincipalsFile) -> None:
    """Write ``principals`` atomically and durably (a fsynced temporary file renamed over the
    old one), keeping the file's mode: other accounts (the Dagster daemon) may read it."""
    body = yaml.safe_dump(
        principals.model_dump(mode="json", exclude_defaults=True), sort_keys=False
    )
    header = (
        "# Who may act on this vault. Roles: admin > developer > user > viewer, and auditor.\n"
        "# Fields: id, roles, tenant (default), clearance (public|internal|confidential|\n"
        "# restricted), access_from / access_until (epoch seconds), attributes.\n"
    )
    replace_file(path, (header + body).encode(), file_mode=shared_file_mode(path))


def os_user() -> str:
    """The operating-system login of this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid:{os.getuid()}"


def acting_id(explicit: str | None = None) -> str:
    """The id of whoever acts: ``explicit``, else ``$VAULT_PRINCIPAL``, else the OS login."""
    return explicit or os.environ.get(PRINCIPAL_ENV) or os_user()


def resolve_principal(principals: PrincipalsFile, principal_id: str, path: str) -> Principal:
    """The listed principal; :class:`UnknownPrincipalError` (a denial) otherwise."""
    found = principals.get(principal_id)
    if found is None:
        raise UnknownPrincipalError(principal_id, path)
    return found
