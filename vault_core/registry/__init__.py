"""Registry of asset versions: semantic versions, digests, provenance and status."""

from vault_core.registry.exceptions import InvalidVersionError as InvalidVersionError
from vault_core.registry.exceptions import NotFoundError as NotFoundError
from vault_core.registry.exceptions import RegistryError as RegistryError
from vault_core.registry.records import AssetKind as AssetKind
from vault_core.registry.records import RegistryRecord as RegistryRecord
from vault_core.registry.records import Status as Status
from vault_core.registry.records import VersionCandidate as VersionCandidate
from vault_core.registry.registry import Registry as Registry
from vault_core.registry.registry import classify_change as classify_change
from vault_core.registry.semver import Change as Change
from vault_core.registry.semver import SemVer as SemVer

__all__ = [
    "AssetKind",
    "Change",
    "InvalidVersionError",
    "NotFoundError",
    "Registry",
    "RegistryError",
    "RegistryRecord",
    "SemVer",
    "Status",
    "VersionCandidate",
    "classify_change",
]
