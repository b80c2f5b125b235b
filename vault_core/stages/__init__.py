"""The four stages of one dataset (raw, pii_findings, anonymized, registered) as plain functions.

Dagster assets call these and turn their results into materializations; notebooks and tests call
them directly. Results carry counts, digests and locations only, never a value from the data.

The first three stages work on one partition (:data:`~vault_core.partitions.UNPARTITIONED` for a
dataset without partitioning) and stream it: ingest yields record batches, each sealed as one
object; findings and anonymized rows are computed object by object and streamed into a Delta
write that replaces exactly that partition. Memory follows ``spec.batch_rows``, not the data.

Each stage records what it wrote per partition (:mod:`vault_core.partition_state`): the digest of
its inputs and the Delta version holding its rows. The next stage reads exactly that version
(so overlapping runs never mix one run's findings with another's records), and a stage whose
inputs are unchanged skips the work. The anonymized rows are audited batch by batch before they
reach the writer; a batch that fails stops the write, nothing is committed, and no Delta version
(not even by time travel) holds it.
"""

from vault_core.stages._common import (
    OBJECT_ADDRESS,
    PARTITION,
    STAGE_ACTIONS,
    StageNotRunError,
    authorize,
    code_version,
    column_plan,
    schema_summary,
    states,
    subject_key,
)
from vault_core.stages.anonymized import AnonymizedResult, anonymize, audit, audit_engine
from vault_core.stages.findings import FINDINGS_TABLE_SCHEMA, FindingsResult, find_pii
from vault_core.stages.raw import RawResult, forget_damaged, ingest_raw
from vault_core.stages.registered import ZONES, RegisterResult, register, vacuum

__all__ = [
    "FINDINGS_TABLE_SCHEMA",
    "OBJECT_ADDRESS",
    "PARTITION",
    "STAGE_ACTIONS",
    "ZONES",
    "AnonymizedResult",
    "FindingsResult",
    "RawResult",
    "RegisterResult",
    "StageNotRunError",
    "anonymize",
    "audit",
    "audit_engine",
    "authorize",
    "code_version",
    "column_plan",
    "find_pii",
    "forget_damaged",
    "ingest_raw",
    "register",
    "schema_summary",
    "states",
    "subject_key",
    "vacuum",
]
