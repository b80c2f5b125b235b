"""Errors of data-quality suites and checks."""

from __future__ import annotations

from vault_core.exceptions import TerminalError, VaultError


class QualityError(VaultError):
    """Base class of data-quality errors."""


class SuiteFileError(QualityError, TerminalError):
    """A Great Expectations suite file cannot be read or is not a suite."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"expectation suite file {path}: {reason}")


class SuiteDefinitionError(QualityError, TerminalError, ValueError):
    """Great Expectations refused a suite's expectation configurations (unknown type, bad
    arguments): fix the suite; the data was not looked at."""

    def __init__(self, suite: str, reason: str) -> None:
        self.suite, self.reason = suite, reason
        super().__init__(f"expectation suite {suite!r} is invalid: {reason}")
