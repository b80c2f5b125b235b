"""Errors of access control: denials (terminal: retrying with the same principal cannot help)
and invalid policy, principals or dataset files (each naming the file and line)."""

from __future__ import annotations

from vault_core.exceptions import ConfigurationError, TerminalError, VaultError


class AccessError(VaultError):
    """Base class of access-control errors."""


class AccessDenied(AccessError, TerminalError, PermissionError):
    """The access policy refused ``action`` on ``resource`` for ``principal``.

    ``reason`` names the deciding policies (``@id`` annotations), never a data value.
    """

    def __init__(self, principal: str, action: str, resource: str, reason: str) -> None:
        self.principal = principal
        self.action = action
        self.resource = resource
        self.reason = reason
        super().__init__(
            f"access denied: principal {principal!r} may not {action} on {resource} ({reason}); "
            "ask an admin to grant a role or attribute in the principals file, or check the "
            "access policy (vault access check)"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Denials cross process boundaries (partition workers): rebuild from the fields.
        return (type(self), (self.principal, self.action, self.resource, self.reason))


class UnknownPrincipalError(AccessDenied):
    """Nobody identified: the acting id is not in the principals file (nothing is anonymous)."""

    def __init__(self, principal: str, path: str) -> None:
        AccessError.__init__(
            self,
            f"principal {principal!r} is not in {path}: nothing is done anonymously. Set "
            "VAULT_PRINCIPAL to an id listed there, or ask an admin to add you",
        )
        self.principal = principal
        self.path = path
        self.action = "*"
        self.resource = "*"
        self.reason = "unknown principal"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.principal, self.path))


class AccessFileError(AccessError, ConfigurationError):
    """A policy, principals or datasets file is invalid; ``line`` is 1-based (0: unknown)."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line else path
        super().__init__(
            f"{where}: {problem}. Nothing is allowed until the file is fixed (access control "
            "fails closed)"
        )


class PolicyFileError(AccessFileError):
    """A Cedar policy file does not parse or does not validate against the vault's schema."""


class PrincipalsFileError(AccessFileError):
    """The principals file is not valid YAML or does not match its schema."""


class DatasetsFileError(AccessFileError):
    """The datasets file (tenant, classification, purposes per dataset) is invalid."""
