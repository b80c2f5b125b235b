"""Envelope encryption for vault: key derivation, key providers and the sealed object format."""

from vault_core.crypto.envelope import SEALED_MAGIC as SEALED_MAGIC
from vault_core.crypto.envelope import SealedHeader as SealedHeader
from vault_core.crypto.envelope import open_sealed as open_sealed
from vault_core.crypto.envelope import read_header as read_header
from vault_core.crypto.envelope import seal as seal
from vault_core.crypto.exceptions import CryptoError as CryptoError
from vault_core.crypto.exceptions import KeyNotFoundError as KeyNotFoundError
from vault_core.crypto.exceptions import KeyringError as KeyringError
from vault_core.crypto.exceptions import MalformedObjectError as MalformedObjectError
from vault_core.crypto.exceptions import MasterSecretMissingError as MasterSecretMissingError
from vault_core.crypto.exceptions import WrongKeyError as WrongKeyError
from vault_core.crypto.keyring import KeyProvider as KeyProvider
from vault_core.crypto.keyring import KeyVersion as KeyVersion
from vault_core.crypto.keyring import LocalKeyring as LocalKeyring
from vault_core.crypto.keys import derive_key as derive_key
from vault_core.crypto.keys import master_key_from_secret as master_key_from_secret

__all__ = [
    "SEALED_MAGIC",
    "CryptoError",
    "KeyNotFoundError",
    "KeyProvider",
    "KeyVersion",
    "KeyringError",
    "LocalKeyring",
    "MalformedObjectError",
    "MasterSecretMissingError",
    "SealedHeader",
    "WrongKeyError",
    "derive_key",
    "master_key_from_secret",
    "open_sealed",
    "read_header",
    "seal",
]
