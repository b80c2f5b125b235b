"""PII detection (Presidio patterns + spaCy NER, offline) and anonymization by policy.

Importing this package is cheap: Presidio and spaCy load on an engine's first detection.
"""

from vault_core.pii.anonymize import PolicyReport as PolicyReport
from vault_core.pii.anonymize import anonymize_table as anonymize_table
from vault_core.pii.anonymize import anonymize_text as anonymize_text
from vault_core.pii.anonymize import merge_findings as merge_findings
from vault_core.pii.engine import PiiEngine as PiiEngine
from vault_core.pii.engine import PiiEngineConfig as PiiEngineConfig
from vault_core.pii.exceptions import ColumnNotFoundError as ColumnNotFoundError
from vault_core.pii.exceptions import DetectionError as DetectionError
from vault_core.pii.exceptions import InvalidFindingError as InvalidFindingError
from vault_core.pii.exceptions import ModelNotInstalledError as ModelNotInstalledError
from vault_core.pii.exceptions import PiiError as PiiError
from vault_core.pii.exceptions import PolicyError as PolicyError
from vault_core.pii.exceptions import UnsupportedEntityError as UnsupportedEntityError
from vault_core.pii.finding import DECLARED_DETECTOR as DECLARED_DETECTOR
from vault_core.pii.finding import FINDINGS_SCHEMA as FINDINGS_SCHEMA
from vault_core.pii.finding import NER_DETECTOR as NER_DETECTOR
from vault_core.pii.finding import Finding as Finding
from vault_core.pii.finding import findings_to_table as findings_to_table
from vault_core.pii.finding import group_findings as group_findings
from vault_core.pii.finding import resolve_findings as resolve_findings
from vault_core.pii.operators import Mask as Mask
from vault_core.pii.operators import Operator as Operator
from vault_core.pii.operators import Redact as Redact
from vault_core.pii.operators import ReplaceWithType as ReplaceWithType
from vault_core.pii.operators import apply_operator as apply_operator
from vault_core.pii.policy import PRESETS as PRESETS
from vault_core.pii.policy import Policy as Policy
from vault_core.pii.policy import get_preset as get_preset

__all__ = [
    "DECLARED_DETECTOR",
    "FINDINGS_SCHEMA",
    "NER_DETECTOR",
    "PRESETS",
    "ColumnNotFoundError",
    "DetectionError",
    "Finding",
    "InvalidFindingError",
    "Mask",
    "ModelNotInstalledError",
    "Operator",
    "PiiEngine",
    "PiiEngineConfig",
    "PiiError",
    "Policy",
    "PolicyError",
    "PolicyReport",
    "Redact",
    "ReplaceWithType",
    "UnsupportedEntityError",
    "anonymize_table",
    "anonymize_text",
    "apply_operator",
    "findings_to_table",
    "get_preset",
    "group_findings",
    "merge_findings",
    "resolve_findings",
]
