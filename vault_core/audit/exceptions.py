"""Errors of the audit log."""

from __future__ import annotations

from vault_core.exceptions import ConfigurationError, TerminalError, VaultError


class AuditError(VaultError):
    """Base class of audit-log errors."""


class AuditLogCorruptError(AuditError, TerminalError):
    """The log's last entry cannot be read, so nothing can be chained to it: run
    ``vault audit verify`` to find the first bad entry."""


class AuditUnavailableError(AuditError, ConfigurationError):
    """The audit log cannot be kept here (it needs a local vault home for now)."""
