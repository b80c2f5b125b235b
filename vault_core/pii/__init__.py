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
from vault_core.pii.exceptions import KAnonymityError as KAnonymityError
from vault_core.pii.exceptions import MissingKeyError as MissingKeyError
from vault_core.pii.exceptions import ModelNotInstalledError as ModelNotInstalledError
from vault_core.pii.exceptions import PiiError as PiiError
from vault_core.pii.exceptions import PolicyError as PolicyError
from vault_core.pii.exceptions import PseudonymError as PseudonymError
from vault_core.pii.exceptions import UnsupportedEntityError as UnsupportedEntityError
from vault_core.pii.finding import DECLARED_DETECTOR as DECLARED_DETECTOR
from vault_core.pii.finding import FINDINGS_SCHEMA as FINDINGS_SCHEMA
from vault_core.pii.finding import NER_DETECTOR as NER_DETECTOR
from vault_core.pii.finding import Finding as Finding
from vault_core.pii.finding import findings_to_table as findings_to_table
from vault_core.pii.finding import group_findings as group_findings
from vault_core.pii.finding import resolve_findings as resolve_findings
from vault_core.pii.generalize import Generalize as Generalize
from vault_core.pii.hipaa import HIPAA_SAFE_HARBOR_IDENTIFIERS as HIPAA_SAFE_HARBOR_IDENTIFIERS
from vault_core.pii.kanon import KAnonymity as KAnonymity
from vault_core.pii.kanon import KAnonymityReport as KAnonymityReport
from vault_core.pii.kanon import apply_k_anonymity as apply_k_anonymity
from vault_core.pii.keys import KeyResolver as KeyResolver
from vault_core.pii.keys import key_purpose as key_purpose
from vault_core.pii.operators import Mask as Mask
from vault_core.pii.operators import Operator as Operator
from vault_core.pii.operators import Redact as Redact
from vault_core.pii.operators import ReplaceWithType as ReplaceWithType
from vault_core.pii.operators import apply_operator as apply_operator
from vault_core.pii.policy import PRESETS as PRESETS
from vault_core.pii.policy import Policy as Policy
from vault_core.pii.policy import get_preset as get_preset
from vault_core.pii.pseudonym import Pseudonym as Pseudonym
from vault_core.pii.pseudonym import decrypt_pseudonym as decrypt_pseudonym
from vault_core.pii.pseudonym import reveal as reveal
from vault_core.pii.surrogate import Surrogate as Surrogate
from vault_core.pii.token import Token as Token

__all__ = [
    "DECLARED_DETECTOR",
    "FINDINGS_SCHEMA",
    "HIPAA_SAFE_HARBOR_IDENTIFIERS",
    "NER_DETECTOR",
    "PRESETS",
    "ColumnNotFoundError",
    "DetectionError",
    "Finding",
    "Generalize",
    "InvalidFindingError",
    "KAnonymity",
    "KAnonymityError",
    "KAnonymityReport",
    "KeyResolver",
    "Mask",
    "MissingKeyError",
    "ModelNotInstalledError",
    "Operator",
    "PiiEngine",
    "PiiEngineConfig",
    "PiiError",
    "Policy",
    "PolicyError",
    "PolicyReport",
    "Pseudonym",
    "PseudonymError",
    "Redact",
    "ReplaceWithType",
    "Surrogate",
    "Token",
    "UnsupportedEntityError",
    "anonymize_table",
    "anonymize_text",
    "apply_k_anonymity",
    "apply_operator",
    "decrypt_pseudonym",
    "findings_to_table",
    "get_preset",
    "group_findings",
    "key_purpose",
    "merge_findings",
    "resolve_findings",
    "reveal",
]
