"""The access policy: a Cedar policy file a user edits, parsed and validated against the vault's
schema when loaded. A file that does not parse or validate raises :class:`PolicyFileError`
naming the line, and nothing is allowed (never an open door).

Cedar's Python binding reports parse errors without positions and validation errors by
policy index, so the line is found with Cedar itself: the first prefix of the file (by lines)
that fails other than by ending early holds the syntax error, and the prefix that first
parses into ``n + 1`` policies ends policy ``n``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import cedarpy

from vault_core.access.exceptions import PolicyFileError

_INCOMPLETE = re.compile(r"unexpected end of input|unexpected end|expected .* found end", re.I)
_POLICY_ID = re.compile(r"policy(\d+)")


def schema_text() -> str:
    """The vault's Cedar schema (part of the code)."""
    return resources.files("vault_core.access").joinpath("schema.cedarschema").read_text("utf-8")


def default_policy_text() -> str:
    """The policy a new vault starts with (written to ``<home>/access/policy.cedar``)."""
    return resources.files("vault_core.access").joinpath("default_policy.cedar").read_text("utf-8")


_SCHEMA: cedarpy.Schema | None = None


def schema() -> cedarpy.Schema:
    """The parsed schema (parsed once per process)."""
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = cedarpy.Schema.from_str(schema_text())
    return _SCHEMA


@dataclass(frozen=True)
class AccessPolicy:
    """A parsed and validated policy set, with the ``@id`` of each policy for reasons."""

    path: str
    policies: cedarpy.PolicySet
    names: dict[str, str]
    """Cedar's ``policyN`` -> the policy's ``@id`` (or ``policyN`` without one)."""

    @classmethod
    def from_text(cls, text: str, path: str = "<policy>") -> AccessPolicy:
        """Parse and validate ``text``; :class:`PolicyFileError` names the first bad line."""
        try:
            policies = cedarpy.PolicySet.from_str(text)
        except ValueError as exc:
            raise PolicyFileError(path, _syntax_error_line(text), f"syntax error: {exc}") from None
        result = cedarpy.validate_policies(text, schema())
        if not result.validation_passed:
            first = result.errors[0]
            match = _POLICY_ID.fullmatch(first.policy_id or "")
            line = _policy_line(text, int(match.group(1))) if match else 0
            raise PolicyFileError(path, line, f"does not match the vault's schema: {first.error}")
        names = {
            str(key): str(policy.annotations.get("id", key))
            for key, policy in policies.to_pst().static_policies.items()
        }
        return cls(path=path, policies=policies, names=names)

    @classmethod
    def from_file(cls, path: str) -> AccessPolicy:
        """Load the policy file at ``path``."""
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise PolicyFileError(path, 0, "not UTF-8 text") from None
        return cls.from_text(text, path)


def _syntax_error_line(text: str) -> int:
    lines = text.splitlines()
    for end in range(1, len(lines) + 1):
        try:
            cedarpy.PolicySet.from_str("\n".join(lines[:end]))
        except ValueError as exc:
            if not _INCOMPLETE.search(str(exc)) and not _ends_inside(lines[:end]):
                return end
    return len(lines)


def _ends_inside(lines: list[str]) -> bool:
    """A prefix cut inside a string or a comment cannot be judged yet."""
    last = lines[-1] if lines else ""
    return last.count('"') % 2 == 1


def _policy_line(text: str, index: int) -> int:
    """First line of policy ``index`` (0-based): just after the prefix holding ``index``."""
    lines = text.splitlines()
    start = 0
    for end in range(1, len(lines) + 1):
        try:
            parsed = cedarpy.PolicySet.from_str("\n".join(lines[:end]))
        except ValueError:
            continue
        count = len(parsed.to_pst().static_policies)
        if count == index:
            start = end
        if count > index:
            break
    # skip blank and comment lines before the policy
    while start < len(lines) and (
        not lines[start].strip() or lines[start].strip().startswith("//")
    ):
        start += 1
    return start + 1
