"""Errors raised by ``vault_core.storage``; messages name addresses, never contents."""

from __future__ import annotations

from vault_core.exceptions import TerminalError, VaultError


class StorageError(VaultError):
    """Base class of all errors raised by ``vault_core.storage``."""


class IntegrityError(StorageError, TerminalError):
    """A stored object is corrupt or does not match its address.

    Attributes:
        address: The content address of the object.
    """

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class ObjectNotFoundError(StorageError, TerminalError):
    """No object is stored at the address.

    Attributes:
        address: The content address that was looked up.
    """

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class InvalidAddressError(StorageError, TerminalError):
    """A string is not a well-formed content address.

    Attributes:
        address: The rejected string.
    """

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class CorruptPackError(StorageError, TerminalError):
    """A pack index is truncated or fails its checksum; run ``vault verify`` and restore it.

    Attributes:
        pack_id: The id of the pack.
    """

    def __init__(self, message: str, *, pack_id: str) -> None:
        super().__init__(message)
        self.pack_id = pack_id
