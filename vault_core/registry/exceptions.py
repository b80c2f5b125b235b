"""Errors of the registry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from vault_core.exceptions import TerminalError, TransientError, VaultError


class RegistryError(VaultError):
    """Base class of registry errors."""


class NotFoundError(RegistryError, TerminalError, LookupError):
    """An asset name or version is not registered; ``suggestions`` holds close matches."""

    def __init__(self, what: str, known: Iterable[str]) -> None:
        self.what = what
        self.suggestions = difflib.get_close_matches(what, list(known), n=3)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"{what!r} is not in the registry{hint}")


class InvalidVersionError(RegistryError, TerminalError, ValueError):
    """A string is not a semantic version ``MAJOR.MINOR.PATCH``."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"{text!r} is not a semantic version (expected MAJOR.MINOR.PATCH)")


class CycleError(RegistryError, TerminalError, ValueError):
    """A dependency would close a cycle; ``path`` lists it from start back to start."""

    def __init__(self, path: list[str]) -> None:
        self.path = path
        super().__init__(
            f"dependency cycle {' -> '.join(path)}: an asset cannot depend on itself, "
            "directly or through others"
        )


class StatusTransitionError(RegistryError, TerminalError, ValueError):
    """A lifecycle change that is not allowed (an archived version is final)."""

    def __init__(self, key: str, current: str, wanted: str) -> None:
        self.key, self.current, self.wanted = key, current, wanted
        super().__init__(f"{key} is {current}; it cannot become {wanted}")


class VersionDataError(RegistryError, TerminalError):
    """The Delta version behind a registry version is missing or unreadable."""

    def __init__(self, key: str, url: str, delta_version: int | None, reason: str) -> None:
        self.key, self.url, self.delta_version = key, url, delta_version
        super().__init__(
            f"{key}: Delta version {delta_version} of {url!r} cannot be read ({reason}); "
            "it may have been vacuumed or corrupted: rematerialize or restore it"
        )


class VersionErasedError(RegistryError, TerminalError):
    """The data of a version was erased (right to erasure) or its dataset deleted."""

    def __init__(self, key: str, status: str, reason: str) -> None:
        self.key, self.status, self.reason = key, status, reason
        super().__init__(
            f"{key} is {status}" + (f" ({reason})" if reason else "") + ": its data is no "
            "longer loadable; load a later version"
        )


class IntegrityError(RegistryError, TerminalError):
    """The data read back does not have the digest the registry recorded."""

    def __init__(self, key: str, expected: str, actual: str) -> None:
        self.key, self.expected, self.actual = key, expected, actual
        super().__init__(f"{key}: content digest {actual} differs from the registered {expected}")


class IndexConflictError(RegistryError, TransientError):
    """Concurrent writers kept conflicting on the registry index; retry later."""

    def __init__(self, url: str, attempts: int) -> None:
        self.url, self.attempts = url, attempts
        super().__init__(f"registry index {url!r}: commit conflicted {attempts} times; retry")


class NotTrainingReadyError(RegistryError, TerminalError):
    """A version asked for training is not training-ready; ``failures`` says why."""

    def __init__(self, key: str, failures: list[str]) -> None:
        self.key, self.failures = key, list(failures)
        super().__init__(
            f"{key} is not training-ready: {'; '.join(self.failures)}. Train on a version that "
            "passes `vault registry check`, or load it without purpose='training' to inspect it"
        )
