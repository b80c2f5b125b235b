"""Policies evaluated on a registered version, such as "training-ready"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vault_core.registry.checks import ERROR
from vault_core.registry.records import AssetVersion, Status

ZONE_ANNOTATION = "vault/zone"
DIGEST_ANNOTATION = "vault/digest"
"""How a version's ``data_version`` is computed (absent: the digest of the table's rows)."""
PARTITION_FILES_DIGEST = "partition-files"
"""``data_version`` combines the digests of each partition's data files (partitioned tables)."""
"""Annotation naming the zone a dataset version was taken from (``anonymized`` is safe)."""

Rule = Callable[[AssetVersion, Sequence[AssetVersion]], str | None]
"""A rule looks at a version and its transitive upstream versions; it returns why it fails."""


def _active(version: AssetVersion, upstream: Sequence[AssetVersion]) -> str | None:
    if version.status is not Status.ACTIVE:
        return f"status is {version.status}"
    return None


def _anonymized(version: AssetVersion, upstream: Sequence[AssetVersion]) -> str | None:
    if version.kind == "dataset" and version.annotations.get(ZONE_ANNOTATION) != "anonymized":
        return "not taken from the anonymized zone"
    return None


def _checks_passed(version: AssetVersion, upstream: Sequence[AssetVersion]) -> str | None:
    if version.kind != "dataset":
        return None
    if not version.checks:
        return "no asset check evaluation recorded"
    failed = sorted(
        name
        for name, passed in version.checks.items()
        if not passed and version.check_severities.get(name, ERROR).upper() == ERROR
    )
    return f"ERROR checks failed: {', '.join(failed)}" if failed else None


def _upstream_active(version: AssetVersion, upstream: Sequence[AssetVersion]) -> str | None:
    stale = sorted(v.key for v in upstream if v.status is not Status.ACTIVE)
    return f"upstream not active: {', '.join(stale)}" if stale else None


@dataclass(frozen=True)
class Policy:
    """Named rules that must all pass."""

    name: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class PolicyResult:
    """Outcome of a policy on one version."""

    policy: str
    key: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no rule failed."""
        return not self.failures


TRAINING_READY = Policy("training-ready", (_active, _anonymized, _checks_passed, _upstream_active))
"""Active (not deprecated, archived or non-compliant), taken from the anonymized zone, every
ERROR asset check passed (WARN checks are reported, not gating), and every upstream version
active. What the access policy says about training use is asked by ``Vault.training_ready``."""


def evaluate(
    policy: Policy, version: AssetVersion, upstream: Sequence[AssetVersion] = ()
) -> PolicyResult:
    """Run every rule of ``policy`` on ``version``."""
    failures = [reason for rule in policy.rules if (reason := rule(version, upstream))]
    return PolicyResult(policy.name, version.key, failures)
