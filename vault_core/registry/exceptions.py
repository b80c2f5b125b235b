"""Errors of the registry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from vault_core.exceptions import TerminalError, VaultError


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
