"""Decisions: a principal, an action, a resource and the request's context, evaluated by Cedar
against the access policy. Cedar decides (deny wins); this module only builds its entities
(the role hierarchy, the principal, the resource) and names the deciding policies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import cedarpy

from vault_core.access.catalog import DatasetAccess
from vault_core.access.policy import AccessPolicy, schema
from vault_core.access.principal import Principal

Action = Literal[
    "dataset:list",
    "dataset:read",
    "dataset:read_raw",
    "dataset:ingest",
    "dataset:register",
    "dataset:deprecate",
    "dataset:alias",
    "dataset:erase",
    "dataset:delete",
    "keys:rotate",
    "keys:destroy",
    "audit:read",
    "policy:edit",
]
ACTIONS: tuple[Action, ...] = get_args(Action)
ROLE_PARENTS: dict[str, list[str]] = {
    # A role's parents are the roles it includes: admin > developer > user > viewer, and
    # admin > auditor. Cedar's `principal in Role::"viewer"` follows these edges upwards.
    "admin": ["developer", "auditor"],
    "developer": ["user"],
    "user": ["viewer"],
    "viewer": [],
    "auditor": [],
}


@dataclass(frozen=True)
class Resource:
    """What an action applies to: a dataset (with its access attributes), the audit log or the
    policy store of a tenant."""

    kind: Literal["Dataset", "AuditLog", "PolicyStore"]
    name: str
    tenant: str
    dataset: DatasetAccess | None = None

    @classmethod
    def of_dataset(cls, name: str, access: DatasetAccess) -> Resource:
        """A dataset resource."""
        return cls("Dataset", name, access.tenant, access)

    @property
    def label(self) -> str:
        """How the audit log and errors name the resource."""
        return f"dataset {self.name}" if self.kind == "Dataset" else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and which policies decided (``@id``s)."""

    allowed: bool
    policies: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        """Value-free explanation for the audit log and errors."""
        if self.allowed:
            return "permitted by " + ", ".join(self.policies)
        if self.policies:
            return "forbidden by " + ", ".join(self.policies)
        return "no policy permits it" + (
            f" (policy errors: {len(self.errors)})" if self.errors else ""
        )


def request_context(purpose: str | None, now: float | None = None) -> dict[str, Any]:
    """The Cedar context of a request made at ``now`` with a declared ``purpose``."""
    moment = time.time() if now is None else now
    when = datetime.fromtimestamp(moment, UTC)
    return {
        "purpose": purpose or "",
        "now": int(moment),
        "hour_utc": when.hour,
        "weekday": when.isoweekday(),
    }


class Authorizer:
    """Evaluates requests against one :class:`AccessPolicy`.

    Decisions are memoized per exact Cedar input: the same principal object, action, resource
    and context (``now`` is whole seconds, so the memo holds for the current second only and is
    dropped when the second changes). Cedar is deterministic, so a memoized decision equals a
    fresh one; it saves the entity parsing that dominates a call (measured: bench-audit).
    """

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy
        self._memo: dict[tuple[Any, ...], Decision] = {}
        self._memo_second = -1
        self._held: dict[int, Principal] = {}
        self._roles = [
            {
                "uid": {"type": "Vault::Role", "id": role},
                "attrs": {},
                "parents": [{"type": "Vault::Role", "id": p} for p in parents],
            }
            for role, parents in ROLE_PARENTS.items()
        ]

    def decide(
        self,
        principal: Principal,
        action: Action,
        resource: Resource,
        *,
        purpose: str | None = None,
        now: float | None = None,
    ) -> Decision:
        """Cedar's decision on one request."""
        return self.decide_many(principal, [(action, resource)], purpose=purpose, now=now)[0]

    def decide_many(
        self,
        principal: Principal,
        requests: list[tuple[Action, Resource]],
        *,
        purpose: str | None = None,
        now: float | None = None,
    ) -> list[Decision]:
        """Cedar's decisions on several requests of one principal (one engine call)."""
        if not requests:
            return []
        context = request_context(purpose, now)
        if context["now"] != self._memo_second:
            self._memo, self._memo_second, self._held = {}, context["now"], {}
        # Keyed by the principal object's identity (held alive with the memo, so the id is not
        # reused): a reloaded principals file gives new objects, never an old decision.
        self._held[id(principal)] = principal
        keys = [
            (id(principal), action, resource, context["purpose"]) for action, resource in requests
        ]
        if all(key in self._memo for key in keys):
            return [self._memo[key] for key in keys]
        decisions = self._evaluate(principal, requests, context)
        if len(self._memo) < 10_000:
            self._memo.update(zip(keys, decisions, strict=True))
        return decisions

    def _evaluate(
        self,
        principal: Principal,
        requests: list[tuple[Action, Resource]],
        context: dict[str, Any],
    ) -> list[Decision]:
        entities = [*self._roles, _principal_entity(principal)]
        seen: set[tuple[str, str]] = set()
        for _, resource in requests:
            if (resource.kind, resource.name) not in seen:
                seen.add((resource.kind, resource.name))
                entities.append(_resource_entity(resource))
        batch = [
            {
                "principal": {"type": "Vault::User", "id": principal.id},
                "action": {"type": "Vault::Action", "id": action},
                "resource": {"type": f"Vault::{resource.kind}", "id": resource.name},
                "context": context,
            }
            for action, resource in requests
        ]
        results = cedarpy.is_authorized_batch(batch, self.policy.policies, entities, schema())
        return [self._decision(result) for result in results]

    def _decision(self, result: cedarpy.AuthzResult) -> Decision:
        names = tuple(self.policy.names.get(r, r) for r in result.diagnostics.reasons)
        errors = tuple(result.diagnostics.errors)
        # Anything but an explicit Allow is a denial (an evaluation error never opens a door).
        return Decision(allowed=result.allowed and not errors, policies=names, errors=errors)


def _principal_entity(principal: Principal) -> dict[str, Any]:
    return {
        "uid": {"type": "Vault::User", "id": principal.id},
        "attrs": {
            "tenant": principal.tenant,
            "clearance": principal.clearance.rank,
            "access_from": principal.access_from,
            "access_until": principal.access_until,
        },
        "parents": [{"type": "Vault::Role", "id": role} for role in principal.roles],
    }


def _resource_entity(resource: Resource) -> dict[str, Any]:
    attrs: dict[str, Any] = {"tenant": resource.tenant}
    if resource.kind == "Dataset":
        access = resource.dataset or DatasetAccess(tenant=resource.tenant)
        attrs["classification"] = access.classification.rank
        attrs["allowed_purposes"] = sorted(access.allowed_purposes)
    return {
        "uid": {"type": f"Vault::{resource.kind}", "id": resource.name},
        "attrs": attrs,
        "parents": [],
    }
