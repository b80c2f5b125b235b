"""Errors of ingestion. Bad rows are not errors: they become quarantine rows with a reason."""

from __future__ import annotations

from vault_core.exceptions import TerminalError, TransientError, VaultError


class IngestError(VaultError):
    """Base class of ingestion errors."""


class SourceNotFoundError(IngestError, TerminalError):
    """No landing file matches the dataset's source URL."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(f"no files match {source!r}: check the dataset's source URL or glob")


class SourceUnavailableError(IngestError, TransientError):
    """The landing storage could not be listed or read (network, permissions)."""

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        super().__init__(f"cannot read landing storage {source!r}: {detail}")


class ConformError(IngestError, TerminalError):
    """A batch cannot be conformed to its stream's schema (names positions, never values)."""


class StreamNotExhaustedError(IngestError, TerminalError):
    """A stream's final figures were asked for before every batch was read."""

    def __init__(self) -> None:
        super().__init__("read every batch of the ingest stream before asking for its columns")
