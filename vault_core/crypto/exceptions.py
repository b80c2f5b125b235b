"""Errors raised by ``vault_core.crypto``; messages never carry key material or plaintext."""

from __future__ import annotations

from vault_core.exceptions import ConfigurationError, TerminalError, VaultError


class CryptoError(VaultError):
    """Base class of all errors raised by ``vault_core.crypto``."""


class WrongKeyError(CryptoError, TerminalError):
    """Authentication failed: the key is wrong or the data was tampered with.

    Attributes:
        key_id: The key id involved, when known (never the key itself).
    """

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class KeyNotFoundError(CryptoError, TerminalError):
    """A key id is unknown to the provider or its key material was destroyed.

    Attributes:
        key_id: The key id that could not be used.
        destroyed: True when the key existed but was crypto-shredded.
    """

    def __init__(self, message: str, *, key_id: str, destroyed: bool = False) -> None:
        super().__init__(message)
        self.key_id = key_id
        self.destroyed = destroyed


class MalformedObjectError(CryptoError, TerminalError):
    """A sealed object is truncated, has a bad magic or an unsupported format."""


class KeyringError(CryptoError, TerminalError):
    """A keyring file is missing, malformed, tampered with or was replaced while open.

    Attributes:
        path: The keyring file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class KeyringMissingError(KeyringError):
    """The keyring file is absent where one is required (never silently re-created).

    Raised when a keyring is opened without permission to create it: sealed data exists that
    only the lost keyring opens, or a read-only operation found no keyring.
    """


class KeyInUseError(CryptoError, TerminalError):
    """A wrapping-key version still protects stored objects, so destroying it would lose them.

    Attributes:
        key_id: The key version that was to be destroyed.
        objects: How many stored objects still name it in their header.
    """

    def __init__(self, message: str, *, key_id: str, objects: int) -> None:
        super().__init__(message)
        self.key_id = key_id
        self.objects = objects


class MasterSecretMissingError(CryptoError, ConfigurationError):
    """No master secret was given (for example the environment variable is unset or empty).

    Attributes:
        env_var: The environment variable that was consulted, if any.
    """

    def __init__(self, message: str, *, env_var: str | None = None) -> None:
        super().__init__(message)
        self.env_var = env_var
