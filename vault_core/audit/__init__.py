"""The tamper-evident audit log: hash-chained entries, signed checkpoints, verification."""

from vault_core.audit.checkpoint import CHECKPOINT_KEY_PURPOSE as CHECKPOINT_KEY_PURPOSE
from vault_core.audit.checkpoint import Checkpoint as Checkpoint
from vault_core.audit.checkpoint import CheckpointSigner as CheckpointSigner
from vault_core.audit.entry import AuditEntry as AuditEntry
from vault_core.audit.exceptions import AuditError as AuditError
from vault_core.audit.exceptions import AuditLogCorruptError as AuditLogCorruptError
from vault_core.audit.exceptions import AuditUnavailableError as AuditUnavailableError
from vault_core.audit.log import AuditLog as AuditLog
from vault_core.audit.query import AuditFilter as AuditFilter
from vault_core.audit.query import select as select
from vault_core.audit.verify import Anchor as Anchor
from vault_core.audit.verify import AuditReport as AuditReport
from vault_core.audit.verify import verify_log as verify_log

__all__ = [
    "CHECKPOINT_KEY_PURPOSE",
    "Anchor",
    "AuditEntry",
    "AuditError",
    "AuditFilter",
    "AuditLog",
    "AuditLogCorruptError",
    "AuditReport",
    "AuditUnavailableError",
    "Checkpoint",
    "CheckpointSigner",
    "select",
    "verify_log",
]
