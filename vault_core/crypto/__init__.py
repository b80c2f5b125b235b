"""Envelope encryption for vault: key derivation, key providers and the sealed object format."""

from vault_core.crypto.aws_kms import AwsKmsProvider as AwsKmsProvider
from vault_core.crypto.cache import KeyCache as KeyCache
from vault_core.crypto.envelope import SEALED_MAGIC as SEALED_MAGIC
from vault_core.crypto.envelope import SealedHeader as SealedHeader
from vault_core.crypto.envelope import SegmentReader as SegmentReader
from vault_core.crypto.envelope import SegmentWriter as SegmentWriter
from vault_core.crypto.envelope import open_sealed as open_sealed
from vault_core.crypto.envelope import read_header as read_header
from vault_core.crypto.envelope import rewrap_header as rewrap_header
from vault_core.crypto.envelope import seal as seal
from vault_core.crypto.envelope import seal_stream as seal_stream
from vault_core.crypto.envelope import unwrap_data_key as unwrap_data_key
from vault_core.crypto.exceptions import CryptoError as CryptoError
from vault_core.crypto.exceptions import KeyInUseError as KeyInUseError
from vault_core.crypto.exceptions import KeyNotFoundError as KeyNotFoundError
from vault_core.crypto.exceptions import KeyringError as KeyringError
from vault_core.crypto.exceptions import KeyringMissingError as KeyringMissingError
from vault_core.crypto.exceptions import MalformedObjectError as MalformedObjectError
from vault_core.crypto.exceptions import MasterSecretMissingError as MasterSecretMissingError
from vault_core.crypto.exceptions import WrongKeyError as WrongKeyError
from vault_core.crypto.keyring import KeyProvider as KeyProvider
from vault_core.crypto.keyring import KeyVersion as KeyVersion
from vault_core.crypto.keyring import LocalKeyring as LocalKeyring
from vault_core.crypto.keyring import key_versions_in_file as key_versions_in_file
from vault_core.crypto.keys import derive_key as derive_key
from vault_core.crypto.keys import master_key_from_secret as master_key_from_secret

__all__ = [
    "SEALED_MAGIC",
    "AwsKmsProvider",
    "CryptoError",
    "KeyCache",
    "KeyInUseError",
    "KeyNotFoundError",
    "KeyProvider",
    "KeyVersion",
    "KeyringError",
    "KeyringMissingError",
    "LocalKeyring",
    "MalformedObjectError",
    "MasterSecretMissingError",
    "SealedHeader",
    "SegmentReader",
    "SegmentWriter",
    "WrongKeyError",
    "derive_key",
    "key_versions_in_file",
    "master_key_from_secret",
    "open_sealed",
    "read_header",
    "rewrap_header",
    "seal",
    "seal_stream",
    "unwrap_data_key",
]
