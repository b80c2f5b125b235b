"""Enforcement: every guarded operation asks the :class:`AccessGuard` first. The guard knows who
acts, evaluates the policy, records the decision in the audit log and raises
:class:`AccessDenied` on a denial. Files live in ``<home>/access/``: ``principals.yaml``,
``policy.cedar`` and ``datasets.yaml``, re-read when they change."""

from __future__ import annotations

import os
from collections.abc import Iterable

from vault_core.access.authorizer import Action, Authorizer, Decision, Resource
from vault_core.access.catalog import DatasetAccess, DatasetCatalog
from vault_core.access.exceptions import AccessDenied, UnknownPrincipalError
from vault_core.access.policy import AccessPolicy, default_policy_text
from vault_core.access.principal import Principal
from vault_core.access.principals import (
    PrincipalsFile,
    acting_id,
    bootstrap_list,
    bootstrap_principals,
    read_principals,
    resolve_principal,
)
from vault_core.audit import AuditLog

PRINCIPALS_FILE = "principals.yaml"
POLICY_FILE = "policy.cedar"
DATASETS_FILE = "datasets.yaml"


class AccessGuard:
    """Decides and records; one per :class:`~vault_core.vault.Vault`."""

    def __init__(
        self,
        directory: str,
        audit: AuditLog,
        *,
        principal: Principal | str | None = None,
        purpose: str | None = None,
        create: bool = True,
    ) -> None:
        self.directory = directory
        self.audit = audit
        self.purpose = purpose
        self._given = principal if isinstance(principal, Principal) else None
        self._id = principal if isinstance(principal, str) else None
        self._create = create
        self.catalog = DatasetCatalog(os.path.join(directory, DATASETS_FILE))
        self._stamps: dict[str, tuple[int, int] | None] = {}
        self._principals: PrincipalsFile | None = None
        self._authorizer: Authorizer | None = None

    # -- who and what ------------------------------------------------------------------------

    @property
    def principals_path(self) -> str:
        """``<home>/access/principals.yaml``."""
        return os.path.join(self.directory, PRINCIPALS_FILE)

    @property
    def policy_path(self) -> str:
        """``<home>/access/policy.cedar``."""
        return os.path.join(self.directory, POLICY_FILE)

    @property
    def principal(self) -> Principal:
        """Who acts (:class:`UnknownPrincipalError` if nobody listed: nothing is anonymous)."""
        if self._given is not None:
            return self._given
        wanted = acting_id(self._id)
        try:
            return resolve_principal(self._principals_file(), wanted, self.principals_path)
        except UnknownPrincipalError as exc:
            self.audit.record(
                principal=wanted,
                tenant="",
                action="access:identify",
                resource="principal",
                decision="deny",
                reason=exc.reason,
                durable=True,
            )
            raise

    def act_for(self, other: str) -> None:
        """Allow this principal to act for ``other`` only if it lists ``other`` (or ``"*"``) in
        ``acts_for``; :class:`AccessDenied` otherwise. The decision is audited either way.

        This is delegation (who may speak for whom, like sudoers), decided from the principals
        file an admin edits, not from the Cedar policy, which decides what a principal may do."""
        principal = self.principal
        if other == principal.id:
            return
        allowed = other in principal.acts_for or "*" in principal.acts_for
        reason = "listed in acts_for" if allowed else f"{other!r} is not in its acts_for"
        self.audit.record(
            principal=principal.id,
            tenant=principal.tenant,
            action="access:act_for",
            resource=f'Principal::"{other}"',
            decision="allow" if allowed else "deny",
            reason=reason,
            durable=True,
        )
        if not allowed:
            raise AccessDenied(principal.id, "access:act_for", f'Principal::"{other}"', reason)

    def authorizer(self) -> Authorizer:
        """The authorizer of the current policy file (re-read when it changes)."""
        self._ensure_files()
        path = self.policy_path
        stamp = _stamp(path)
        if self._authorizer is None or stamp != self._stamps.get(path):
            policy = (
                AccessPolicy.from_file(path)
                if stamp is not None
                else AccessPolicy.from_text(default_policy_text(), "<built-in default policy>")
            )
            self._authorizer, self._stamps[path] = Authorizer(policy), stamp
        return self._authorizer

    def dataset(self, name: str) -> Resource:
        """The resource of dataset ``name`` (its tenant, classification, purposes)."""
        return Resource.of_dataset(name, self.catalog.get(name))

    # -- decisions ---------------------------------------------------------------------------

    def check(self, action: Action, resource: Resource) -> Decision:
        """The decision, not recorded."""
        return self.authorizer().decide(self.principal, action, resource, purpose=self.purpose)

    def require(
        self,
        action: Action,
        resource: Resource | str,
        *,
        details: dict[str, int | str] | None = None,
        durable: bool = False,
    ) -> Principal:
        """Allow or raise :class:`AccessDenied`; either way the decision is audited."""
        target = self.dataset(resource) if isinstance(resource, str) else resource
        principal = self.principal
        decision = self.authorizer().decide(principal, action, target, purpose=self.purpose)
        self.audit.record(
            principal=principal.id,
            tenant=principal.tenant,
            action=action,
            resource=target.label,
            dataset=target.name if target.kind == "Dataset" else "",
            decision="allow" if decision.allowed else "deny",
            reason=decision.reason,
            purpose=self.purpose,
            details=details,
            durable=durable or not decision.allowed,
        )
        if not decision.allowed:
            raise AccessDenied(principal.id, action, target.label, decision.reason)
        return principal

    def visible(self, names: Iterable[str]) -> list[str]:
        """The names the principal may list (``dataset:list``): others stay unknown to it.
        Not audited one by one (listing is frequent and reveals only what is allowed)."""
        wanted = sorted(set(names))
        requests: list[tuple[Action, Resource]] = [
            ("dataset:list", self.dataset(n)) for n in wanted
        ]
        decisions = self.authorizer().decide_many(self.principal, requests, purpose=self.purpose)
        return [name for name, decision in zip(wanted, decisions, strict=True) if decision.allowed]

    def claim(self, name: str, access: DatasetAccess) -> None:
        """Record a dataset's tenant and attributes (pipelines do, before building it)."""
        principal = self.principal
        if access.tenant != principal.tenant:
            self.require("dataset:ingest", Resource.of_dataset(name, access))
        if self.catalog.claim(name, access):
            self.audit.record(
                principal=principal.id,
                tenant=principal.tenant,
                action="dataset:claim",
                resource=f"dataset {name}",
                dataset=name,
                decision="info",
                reason=f"tenant {access.tenant}, {access.classification.value}",
            )

    # -- files -------------------------------------------------------------------------------

    def _principals_file(self) -> PrincipalsFile:
        self._ensure_files()
        path = self.principals_path
        stamp = _stamp(path)
        if stamp is None:  # read-only and never bootstrapped: the bootstrap, in memory
            return PrincipalsFile(principals=bootstrap_list())
        if self._principals is None or stamp != self._stamps.get(path):
            self._principals, self._stamps[path] = read_principals(path), stamp
        return self._principals

    def _ensure_files(self) -> None:
        if not self._create or os.path.exists(self.principals_path):
            return
        added = bootstrap_principals(self.principals_path)
        try:
            with open(self.policy_path, "x", encoding="utf-8") as handle:
                handle.write(default_policy_text())
        except FileExistsError:
            pass  # kept: the policy a user edited
        for principal in added:
            self.audit.record(
                principal=principal.id,
                tenant=principal.tenant,
                action="access:bootstrap",
                resource="principals file",
                decision="info",
                reason=f"first principals file: {'+'.join(principal.roles)}",
                durable=True,
            )


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size
