"""What every stage shares: code versions, partition states, column plans and labels."""

from __future__ import annotations

import base64
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from vault_core import __version__, columns, subject_index
from vault_core import partition_tables as ptables
from vault_core.access import Action
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests
from vault_core.exceptions import TerminalError
from vault_core.ingest import conform
from vault_core.partition_state import PartitionState, PartitionStateStore
from vault_core.pii.detectors import DetectorsConfig
from vault_core.raw_zone import open_object
from vault_core.storage_options import StorageOptions
from vault_core.vault import Vault

PARTITION = ptables.PARTITION
OBJECT_ADDRESS = "object_address"

STAGE_ACTIONS: dict[str, Action] = {
    "raw": "dataset:ingest",
    "pii_findings": "dataset:read_raw",
    "anonymized": "dataset:read_raw",
    "registered": "dataset:register",
}
"""The policy action each stage needs on its dataset."""


def authorize(vault: Vault, spec: DatasetSpec, stage: str, partition: str | None = None) -> None:
    """Ask the policy for ``stage``'s action on the dataset as ``vault``'s principal (audited;
    :class:`~vault_core.access.AccessDenied` on a denial). The raw stage first records the
    dataset's tenant, which decides where its tables live.

    Every stage function calls this, so a stage called from a notebook or run on a partition
    worker is checked like a Dagster step (which also asks once, before dispatching)."""
    if stage == "raw":
        vault.claim(spec.name, spec.access())
    details: dict[str, int | str] = {"stage": stage}
    if partition is not None:
        details["partition"] = partition
    vault.access.require(STAGE_ACTIONS[stage], spec.name, details=details)


def code_version(spec: DatasetSpec, stage: str) -> str:
    """Code version of a stage: the vault release plus the settings that change its output."""
    parts = {"vault": __version__, "stage": stage}
    if stage == "raw":
        parts["ingest"] = spec.model_dump_json(include={"format", "required_columns"})
    if stage in ("pii_findings", "anonymized"):
        # The number of NER processes never changes the findings (tested): not part of it.
        parts["pii"] = spec.model_dump_json(
            include={"pii", "text_columns", "entity_columns", "passthrough_columns"},
            exclude={"pii": {"n_process"}},
        )
        # What the detectors find, not only how they are configured: a changed pattern,
        # validator or Presidio release makes the findings stale.
        parts["detectors"] = _detector_digest(spec.pii.detectors.model_dump_json())
    if stage == "pii_findings":
        parts["subject_index"] = "v1"  # findings written before it get their index on a rerun
    if stage == "anonymized":
        parts["policy"] = spec.policy.digest()
    return f"{__version__}-" + combine_digests(parts)[3:15]


@cache
def _detector_digest(detectors: str) -> str:
    """Digest of the detector set a ``DetectorsConfig`` (as JSON) describes."""
    return DetectorsConfig.model_validate_json(detectors).registry().digest


def schema_summary(schema: pa.Schema) -> dict[str, str]:
    """Column name -> Arrow type, for metadata (names that hold PII already replaced by labels)."""
    return {field.name: str(field.type) for field in schema}


def _column_key(vault: Vault) -> bytes:
    return vault.derive_subkey(columns.COLUMN_NAME_KEY_PURPOSE)


def subject_key(vault: Vault, dataset: str, *, create: bool = False) -> bytes:
    """The key of ``dataset``'s subject index (see :mod:`vault_core.subject_index`)."""
    return subject_index.subject_key(
        vault.store,
        vault.datasets_url_of(dataset),
        dataset,
        create=create and not vault.read_only,
        storage_options=_options(vault),
    )


def _safe_names(vault: Vault, spec: DatasetSpec, names: list[str]) -> dict[str, str]:
    return columns.safe_column_names(names, key=_column_key(vault), keep=spec.declared_columns)


def column_plan(spec: DatasetSpec, schema: pa.Schema) -> columns.ColumnPlan:
    """What the PII stages do with each column of ``schema``."""
    return columns.plan_columns(
        schema,
        text_columns=spec.text_columns,
        entity_columns=spec.entity_columns,
        passthrough_columns=spec.passthrough_columns,
    )


class StageNotRunError(TerminalError):
    """A stage needs the result of an upstream stage for a partition that never ran."""

    def __init__(self, dataset: str, stage: str, partition: str) -> None:
        self.dataset, self.stage, self.partition = dataset, stage, partition
        super().__init__(
            f"{dataset}/{stage} has not been materialized for partition {partition!r}: "
            "materialize it first"
        )


def states(vault: Vault, spec: DatasetSpec) -> PartitionStateStore:
    """Where the stages of ``spec`` record what they wrote per partition."""
    return PartitionStateStore(
        vault.dataset_url(spec.name, "_state"),
        vault.settings.storage_options or None,
    )


def _upstream(vault: Vault, spec: DatasetSpec, stage: str, partition: str) -> PartitionState:
    state = states(vault, spec).get(stage, partition)
    if state is None:
        raise StageNotRunError(spec.name, stage, partition)
    return state


def _with_partition(schema: pa.Schema) -> pa.Schema:
    return schema.append(pa.field(PARTITION, pa.string()))


def _tag(table: pa.Table, partition: str, schema: pa.Schema) -> pa.Table:
    tagged = table.append_column(PARTITION, pa.array([partition] * table.num_rows, pa.string()))
    return tagged.select(schema.names).cast(schema)


def _schema_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def _schema_of(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def _options(vault: Vault) -> StorageOptions | None:
    return vault.settings.storage_options or None


def _record_schema(state: PartitionState) -> pa.Schema:
    return _schema_of(state.counts["record_schema"])


def _objects(vault: Vault, spec: DatasetSpec, raw: PartitionState) -> list[str]:
    """The sealed objects of a partition's records at the pinned manifest version, in order."""
    manifest = ptables.read_partition(
        vault.table_url(spec.name, "raw_manifest"),
        raw.partition,
        version=raw.delta_version,
        columns=[OBJECT_ADDRESS],
        storage_options=_options(vault),
        dictionary_columns=[OBJECT_ADDRESS],  # one row per record, a few hundred objects
    )
    # Arrow's unique keeps the order of first appearance.
    unique = pc.unique(manifest[OBJECT_ADDRESS].unify_dictionaries())
    addresses: list[str] = unique.dictionary_decode().to_pylist()
    return addresses


def _records(vault: Vault, spec: DatasetSpec, address: str, schema: pa.Schema) -> pa.Table:
    """One sealed batch as the PII stages see it: the partition's columns (missing ones null,
    declared ones always present) and column names that hold PII replaced by labels."""
    rows = conform(open_object(vault.store, address), schema)
    rows = columns.with_columns(rows, [*spec.text_columns, *spec.entity_columns])
    return columns.rename(rows, _safe_names(vault, spec, rows.column_names))


def _counts(findings: pa.Table, column: str) -> dict[str, int]:
    """Value -> count of one column of a findings table, sorted by value."""
    if findings.num_rows == 0:
        return {}
    counts = pc.value_counts(findings[column]).to_pylist()
    return dict(sorted((item["values"], item["counts"]) for item in counts))
