"""Who is acting: a ``Principal`` (id, roles, tenant, clearance, attributes), and the levels that
classifications and clearances share."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vault_core.settings import DEFAULT_TENANT as DEFAULT_TENANT

Role = Literal["admin", "developer", "user", "viewer", "auditor"]
ROLES: tuple[Role, ...] = ("admin", "developer", "user", "viewer", "auditor")
NEVER = 2**62
"""``access_until`` of a principal without an end date (epoch seconds; Cedar's Long)."""


class Level(StrEnum):
    """Classification of a dataset and clearance of a principal, lowest first."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        """0 (public) to 3 (restricted): what the policy compares."""
        return list(Level).index(self)


class Principal(BaseModel):
    """A person or service acting on the vault.

    Roles are hierarchical (admin > developer > user > viewer; admin also holds auditor), the
    hierarchy lives in the policy's entities (``vault_core.access.authorizer``), so a principal
    lists only its highest roles.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200, pattern=r"^[^\s\"\\]+$")
    """Opaque id: a login, an e-mail or a service name (``service:pipelines``)."""

    roles: tuple[Role, ...] = Field(min_length=1)
    tenant: str = Field(default=DEFAULT_TENANT, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    """The tenant the principal belongs to: it acts only on that tenant's datasets."""

    clearance: Level = Level.CONFIDENTIAL
    """Highest dataset classification the principal may read."""

    access_from: int = 0
    """Epoch seconds from which the principal may act (a time window)."""

    access_until: int = NEVER
    """Epoch seconds from which the principal may no longer act."""

    acts_for: tuple[str, ...] = ()
    """Principals this one may act for (a service naming them in a Dagster run's
    ``vault/principal`` tag); ``"*"`` is anyone listed. Empty: nobody (the default)."""

    attributes: dict[str, str] = Field(default_factory=dict)
    """Free attributes (team, cost centre...) a policy may test through ``principal.attributes``
    in future schema versions; recorded, not interpreted."""
