"""Semantic versions of registered assets and the rule that chooses the next one.

Rule (see :func:`vault_core.registry.registry.classify_change`):

- the schema fingerprint changed → **major** (breaking for every reader);
- same schema, new data digest → **minor** (new or changed source records, other processing);
- same schema, new data digest *caused by the policy alone* → **patch**: the records and findings
  the policy was applied to (``input_version``) and the release are unchanged and only the policy
  digest differs. Re-anonymizing the same records another way is not new data;
- same data, other code version / dependencies / tags / annotations / license / policy → **patch**;
- nothing changed → no new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from vault_core.registry.exceptions import InvalidVersionError

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class Change(StrEnum):
    """What changed between two versions of an asset."""

    NONE = "none"
    SCHEMA = "schema"
    DATA = "data"
    POLICY = "policy"
    """Same inputs, only the anonymization policy changed (the data follows from it)."""
    METADATA = "metadata"


@dataclass(frozen=True, order=True)
class SemVer:
    """``MAJOR.MINOR.PATCH``."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> SemVer:
        """Parse ``1.2.3``; raise :class:`InvalidVersionError` otherwise."""
        match = _SEMVER.match(text.strip())
        if not match:
            raise InvalidVersionError(text)
        return cls(int(match[1]), int(match[2]), int(match[3]))

    def bump(self, change: Change) -> SemVer:
        """The next version after a change of this kind."""
        if change is Change.SCHEMA:
            return SemVer(self.major + 1, 0, 0)
        if change is Change.DATA:
            return SemVer(self.major, self.minor + 1, 0)
        if change in (Change.POLICY, Change.METADATA):
            return SemVer(self.major, self.minor, self.patch + 1)
        return self

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


INITIAL = SemVer(1, 0, 0)


_COMPARATOR = re.compile(r"^(>=|<=|==|!=|>|<|\^|~|=)?\s*(\d+(?:\.\d+){0,2})$")


@dataclass(frozen=True)
class VersionRange:
    """A set of versions: comma-separated comparators, all of which must hold.

    ``>=1.0.0,<2.0.0``; ``==1.1.0`` (or ``1.1.0``); ``^1.2`` (same major, at least 1.2.0);
    ``~1.2`` (same major and minor); ``*`` (everything). Partial versions fill with zeros.
    """

    text: str

    def __post_init__(self) -> None:
        for part in self._parts():
            if part != "*" and not _COMPARATOR.match(part):
                raise InvalidVersionError(self.text)

    def _parts(self) -> list[str]:
        return [part.strip() for part in self.text.split(",") if part.strip()]

    def __contains__(self, version: object) -> bool:
        if isinstance(version, str):
            version = SemVer.parse(version)
        if not isinstance(version, SemVer):
            return False
        return all(_holds(part, version) for part in self._parts())


def _holds(part: str, version: SemVer) -> bool:
    if part == "*":
        return True
    match = _COMPARATOR.match(part)
    assert match is not None  # checked in __post_init__
    op = match[1] or "=="
    numbers = [int(n) for n in match[2].split(".")] + [0, 0]
    bound = SemVer(numbers[0], numbers[1], numbers[2])
    if op == "^":
        return version.major == bound.major and version >= bound
    if op == "~":
        return (version.major, version.minor) == (bound.major, bound.minor) and version >= bound
    return {
        ">=": version >= bound,
        "<=": version <= bound,
        ">": version > bound,
        "<": version < bound,
        "!=": version != bound,
        "==": version == bound,
        "=": version == bound,
    }[op]
