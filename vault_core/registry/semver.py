"""Semantic versions of registered assets and the rule that chooses the next one.

Rule: a schema change is breaking (major); new data under the same schema is a minor bump; the
same data produced by different code, policy or metadata is a patch.
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
        if change is Change.METADATA:
            return SemVer(self.major, self.minor, self.patch + 1)
        return self

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


INITIAL = SemVer(1, 0, 0)
