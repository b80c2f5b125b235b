"""Root of every error vault raises; each package adds its own in its ``exceptions.py``.

Messages say what failed and what to do about it. They never contain key material,
plaintext rows or detected PII values.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class of all vault errors."""

    def __reduce__(self) -> tuple[object, ...]:
        # Many subclasses take keyword-only attributes, which pickle's default (``cls(*args)``)
        # cannot rebuild: rebuild without ``__init__`` so an error crosses a process boundary
        # with its type and attributes (see vault_core.child_process).
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[VaultError], args: tuple[object, ...]) -> VaultError:
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class TerminalError(VaultError):
    """Marker: retrying will not help (bad input, wrong key, corrupted data)."""


class TransientError(VaultError):
    """Marker: the operation may succeed if retried (storage hiccup, throttling)."""


class ConfigurationError(TerminalError):
    """The vault or a dataset is configured inconsistently."""


class LandingCursorError(TerminalError):
    """A landing sensor's cursor cannot be read: reset it (run keys keep runs from repeating)."""
