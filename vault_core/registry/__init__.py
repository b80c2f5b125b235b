"""Registry of asset versions: semantic versions, digests, provenance, lineage and status."""

from vault_core.registry._git import head_commit as head_commit
from vault_core.registry.checks import CheckEvaluation as CheckEvaluation
from vault_core.registry.exceptions import CycleError as CycleError
from vault_core.registry.exceptions import IndexConflictError as IndexConflictError
from vault_core.registry.exceptions import IntegrityError as IntegrityError
from vault_core.registry.exceptions import InvalidVersionError as InvalidVersionError
from vault_core.registry.exceptions import NotFoundError as NotFoundError
from vault_core.registry.exceptions import NotTrainingReadyError as NotTrainingReadyError
from vault_core.registry.exceptions import RegistryError as RegistryError
from vault_core.registry.exceptions import StatusTransitionError as StatusTransitionError
from vault_core.registry.exceptions import VersionDataError as VersionDataError
from vault_core.registry.exceptions import VersionErasedError as VersionErasedError
from vault_core.registry.graph import DependencyGraph as DependencyGraph
from vault_core.registry.policy import DIGEST_ANNOTATION as DIGEST_ANNOTATION
from vault_core.registry.policy import PARTITION_FILES_DIGEST as PARTITION_FILES_DIGEST
from vault_core.registry.policy import TRAINING_READY as TRAINING_READY
from vault_core.registry.policy import ZONE_ANNOTATION as ZONE_ANNOTATION
from vault_core.registry.policy import Policy as Policy
from vault_core.registry.policy import PolicyResult as PolicyResult
from vault_core.registry.records import Asset as Asset
from vault_core.registry.records import AssetKind as AssetKind
from vault_core.registry.records import AssetVersion as AssetVersion
from vault_core.registry.records import Provenance as Provenance
from vault_core.registry.records import RegistryRecord as RegistryRecord
from vault_core.registry.records import Status as Status
from vault_core.registry.records import StatusChange as StatusChange
from vault_core.registry.records import UpstreamRef as UpstreamRef
from vault_core.registry.records import VersionCandidate as VersionCandidate
from vault_core.registry.registry import Lineage as Lineage
from vault_core.registry.registry import Registry as Registry
from vault_core.registry.registry import StatusListener as StatusListener
from vault_core.registry.registry import VersionDiff as VersionDiff
from vault_core.registry.registry import classify_change as classify_change
from vault_core.registry.semver import Change as Change
from vault_core.registry.semver import SemVer as SemVer
from vault_core.registry.semver import VersionRange as VersionRange

__all__ = [
    "DIGEST_ANNOTATION",
    "PARTITION_FILES_DIGEST",
    "TRAINING_READY",
    "ZONE_ANNOTATION",
    "Asset",
    "AssetKind",
    "AssetVersion",
    "Change",
    "CheckEvaluation",
    "CycleError",
    "DependencyGraph",
    "IndexConflictError",
    "IntegrityError",
    "InvalidVersionError",
    "Lineage",
    "NotFoundError",
    "NotTrainingReadyError",
    "Policy",
    "PolicyResult",
    "Provenance",
    "Registry",
    "RegistryError",
    "RegistryRecord",
    "SemVer",
    "Status",
    "StatusChange",
    "StatusListener",
    "StatusTransitionError",
    "UpstreamRef",
    "VersionCandidate",
    "VersionDataError",
    "VersionDiff",
    "VersionErasedError",
    "classify_change",
    "head_commit",
]
