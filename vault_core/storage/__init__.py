"""Storage for vault: an encrypted content-addressed object store over a storage backend.

``cas`` (the store) uses ``addressing``, ``sealing``, ``_packs`` and ``_catalog``; files are
written through ``backends`` (a local disk, or any fsspec filesystem such as S3), whose local
durability comes from ``vault_core.durable``. ``gc``, ``rotation`` and ``verify`` work on a store.
"""

from vault_core.storage.cas import ADDRESS_PREFIX as ADDRESS_PREFIX
from vault_core.storage.cas import PACK_MAX_OBJECT as PACK_MAX_OBJECT
from vault_core.storage.cas import ContentAddressedStore as ContentAddressedStore
from vault_core.storage.cas import PutResult as PutResult
from vault_core.storage.cas import StoredFile as StoredFile
from vault_core.storage.exceptions import CorruptPackError as CorruptPackError
from vault_core.storage.exceptions import IntegrityError as IntegrityError
from vault_core.storage.exceptions import InvalidAddressError as InvalidAddressError
from vault_core.storage.exceptions import ObjectNotFoundError as ObjectNotFoundError
from vault_core.storage.exceptions import StorageError as StorageError
from vault_core.storage.gc import GcReport as GcReport
from vault_core.storage.gc import collect_garbage as collect_garbage
from vault_core.storage.refs import ReferenceIndex as ReferenceIndex
from vault_core.storage.refs import merge_references as merge_references
from vault_core.storage.refs import table_references as table_references
from vault_core.storage.rotation import RotationReport as RotationReport
from vault_core.storage.rotation import count_key_references as count_key_references
from vault_core.storage.rotation import key_usage as key_usage
from vault_core.storage.rotation import rotate_scope as rotate_scope
from vault_core.storage.verify import VerifyReport as VerifyReport
from vault_core.storage.verify import verify_store as verify_store

__all__ = [
    "ADDRESS_PREFIX",
    "PACK_MAX_OBJECT",
    "ContentAddressedStore",
    "CorruptPackError",
    "GcReport",
    "IntegrityError",
    "InvalidAddressError",
    "ObjectNotFoundError",
    "PutResult",
    "ReferenceIndex",
    "RotationReport",
    "StorageError",
    "StoredFile",
    "VerifyReport",
    "collect_garbage",
    "count_key_references",
    "key_usage",
    "merge_references",
    "rotate_scope",
    "table_references",
    "verify_store",
]
