"""Storage for vault: an encrypted content-addressed object store over fsspec."""

from vault_core.storage.cas import ADDRESS_PREFIX as ADDRESS_PREFIX
from vault_core.storage.cas import ContentAddressedStore as ContentAddressedStore
from vault_core.storage.cas import PutResult as PutResult
from vault_core.storage.exceptions import IntegrityError as IntegrityError
from vault_core.storage.exceptions import InvalidAddressError as InvalidAddressError
from vault_core.storage.exceptions import ObjectNotFoundError as ObjectNotFoundError
from vault_core.storage.exceptions import StorageError as StorageError
from vault_core.storage.rotation import RotationReport as RotationReport
from vault_core.storage.rotation import rotate_scope as rotate_scope
from vault_core.storage.verify import VerifyReport as VerifyReport
from vault_core.storage.verify import verify_store as verify_store

__all__ = [
    "ADDRESS_PREFIX",
    "ContentAddressedStore",
    "IntegrityError",
    "InvalidAddressError",
    "ObjectNotFoundError",
    "PutResult",
    "RotationReport",
    "StorageError",
    "VerifyReport",
    "rotate_scope",
    "verify_store",
]
