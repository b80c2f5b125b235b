"""The whole role matrix: every role x every action x own / other tenant, through Cedar and the
default policy file, each allow and deny asserted."""

from __future__ import annotations

import pytest

from vault_core.access import ACTIONS, ROLES, AccessPolicy, Authorizer, DatasetAccess, Principal
from vault_core.access.authorizer import Resource
from vault_core.access.policy import default_policy_text

DATASET_ACTIONS = {a for a in ACTIONS if a.startswith(("dataset:", "keys:"))}
ALLOWED = {
    "admin": set(ACTIONS),
    "developer": {
        "dataset:list",
        "dataset:read",
        "dataset:read_raw",
        "dataset:ingest",
        "dataset:register",
        "dataset:deprecate",
        "dataset:alias",
        "dataset:erase",
        "keys:rotate",
    },
    "user": {"dataset:list", "dataset:read"},
    "viewer": {"dataset:list"},
    "auditor": {"dataset:list", "audit:read"},
}


def _resource(action: str, tenant: str) -> Resource:
    if action in DATASET_ACTIONS:
        return Resource.of_dataset("customers", DatasetAccess(tenant=tenant))
    kind = "AuditLog" if action == "audit:read" else "PolicyStore"
    return Resource(kind, tenant, tenant)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(AccessPolicy.from_text(default_policy_text()))


@pytest.mark.parametrize("tenant", ["acme", "globex"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(authorizer: Authorizer, role: str, action: str, tenant: str) -> None:
    principal = Principal(id=f"{role}-1", roles=(role,), tenant="acme")  # type: ignore[arg-type]
    decision = authorizer.decide(principal, action, _resource(action, tenant))  # type: ignore[arg-type]
    expected = tenant == "acme" and action in ALLOWED[role]
    assert decision.allowed is expected, decision.reason
    if tenant != "acme":
        assert decision.policies
        assert decision.policies[0].startswith("tenant-isolation")


def test_when_clearance_is_below_classification_then_reads_are_denied(
    authorizer: Authorizer,
) -> None:
    restricted = Resource.of_dataset("hr", DatasetAccess(classification="restricted"))
    developer = Principal(id="dev", roles=("developer",), clearance="confidential")
    for action in ("dataset:read", "dataset:read_raw"):
        decision = authorizer.decide(developer, action, restricted)
        assert not decision.allowed
        assert decision.policies == ("clearance",)
    assert authorizer.decide(developer, "dataset:register", restricted).allowed


def test_when_purpose_is_not_allowed_then_reads_are_denied(authorizer: Authorizer) -> None:
    resource = Resource.of_dataset("chats", DatasetAccess(allowed_purposes=("training",)))
    user = Principal(id="u", roles=("user",))
    assert not authorizer.decide(user, "dataset:read", resource).allowed
    assert not authorizer.decide(user, "dataset:read", resource, purpose="marketing").allowed
    assert authorizer.decide(user, "dataset:read", resource, purpose="training").allowed


def test_when_outside_the_access_window_then_everything_is_denied(
    authorizer: Authorizer,
) -> None:
    resource = Resource.of_dataset("chats", DatasetAccess())
    contractor = Principal(id="c", roles=("admin",), access_from=1_000, access_until=2_000)
    assert authorizer.decide(contractor, "dataset:read", resource, now=1_500).allowed
    for moment in (999, 2_000, 10_000):
        decision = authorizer.decide(contractor, "dataset:read", resource, now=moment)
        assert not decision.allowed
        assert decision.policies == ("access-window",)


def test_when_a_forbid_and_a_permit_both_apply_then_deny_wins() -> None:
    text = default_policy_text() + (
        '\n@id("no-raw-on-sundays")\nforbid (principal,'
        ' action == Vault::Action::"dataset:read_raw", resource)'
        " when { context.weekday == 7 };\n"
    )
    authorizer = Authorizer(AccessPolicy.from_text(text))
    admin = Principal(id="a", roles=("admin",))
    resource = Resource.of_dataset("chats", DatasetAccess())
    monday = 1_796_601_600  # 2026-12-07, a Monday, 00:00 UTC
    sunday = monday + 6 * 86_400
    assert authorizer.decide(admin, "dataset:read_raw", resource, now=monday).allowed
    decision = authorizer.decide(admin, "dataset:read_raw", resource, now=sunday)
    assert (decision.allowed, decision.policies) == (False, ("no-raw-on-sundays",))
