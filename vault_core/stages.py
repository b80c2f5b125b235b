"""The four stages of one dataset (raw, pii_findings, anonymized, registered) as plain functions.

Dagster assets call these and turn their results into materializations; notebooks and tests call
them directly. Results carry counts, digests and locations only, never a value from the data.

Each stage reads exactly the input versions it is computed from (pinned in the Delta commits, see
:mod:`vault_core.tables`), and the anonymized table is written, audited, then published: the
leftover scan runs on the exact rows about to be written, and rows that fail it are never
written, so no Delta version (not even by time travel) holds them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from vault_core import __version__, columns, tables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests, schema_fingerprint
from vault_core.ingest import RECORD_ID, SourceFile, ingest
from vault_core.pii import FINDINGS_SCHEMA, PiiEngine, PolicyReport, anonymize_table
from vault_core.raw_zone import open_records, seal_records, seal_rejects
from vault_core.registry import ZONE_ANNOTATION, Provenance, RegistryRecord, VersionCandidate
from vault_core.vault import Vault


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
    if stage == "anonymized":
        parts["policy"] = spec.policy.digest()
    return f"{__version__}-" + combine_digests(parts)[3:15]


def schema_summary(schema: pa.Schema) -> dict[str, str]:
    """Column name -> Arrow type, for metadata (names that hold PII already replaced by labels)."""
    return {field.name: str(field.type) for field in schema}


def _column_key(vault: Vault) -> bytes:
    return vault.keyring.derive_subkey(columns.COLUMN_NAME_KEY_PURPOSE)


def _safe_names(vault: Vault, spec: DatasetSpec, names: list[str]) -> dict[str, str]:
    return columns.safe_column_names(names, key=_column_key(vault), keep=spec.declared_columns)


def open_pinned_records(vault: Vault, spec: DatasetSpec, manifest: tables.TableRef) -> pa.Table:
    """The records of exactly one manifest version, as the PII stages see them: declared columns
    present (null when the data has none) and column names that hold PII replaced by labels."""
    rows = open_records(
        vault.store, vault.read_table(spec.name, "raw_manifest", version=manifest.delta_version)
    )
    rows = columns.with_columns(rows, [*spec.text_columns, *spec.entity_columns])
    return columns.rename(rows, _safe_names(vault, spec, rows.column_names))


def column_plan(spec: DatasetSpec, schema: pa.Schema) -> columns.ColumnPlan:
    """What the PII stages do with each column of ``schema``."""
    return columns.plan_columns(
        schema,
        text_columns=spec.text_columns,
        entity_columns=spec.entity_columns,
        passthrough_columns=spec.passthrough_columns,
    )


@dataclass(frozen=True)
class RawResult:
    """What ingesting and sealing a dataset did."""

    rows_in: int
    records: int
    quarantined: int
    physical_rows: int
    blank_lines: int
    reasons: dict[str, int]
    objects: int
    key_ids: list[str]
    sources: list[SourceFile]
    manifest: tables.TableWrite
    quarantine: tables.TableWrite
    schema: dict[str, str]

    @property
    def data_version(self) -> str:
        """Digest over the manifest and the quarantine."""
        return combine_digests(
            {"manifest": self.manifest.data_version, "quarantine": self.quarantine.data_version}
        )


def ingest_raw(vault: Vault, spec: DatasetSpec) -> RawResult:
    """Ingest the landing files, seal the records and the rejects, write manifest and quarantine."""
    result = ingest(
        spec.source,
        spec.format,
        record_key=vault.record_key,
        required_columns=spec.required_columns,
        storage_options=spec.storage_options or None,
    )
    manifest = seal_records(vault.store, spec.name, result.records, result.origins)
    quarantine = seal_rejects(vault.store, spec.name, result.rejects)
    options = vault.settings.storage_options or None
    manifest_write = tables.write_table(
        vault.table_url(spec.name, "raw_manifest"), manifest, storage_options=options
    )
    quarantine_write = tables.write_table(
        vault.table_url(spec.name, "quarantine"), quarantine, storage_options=options
    )
    # After the tables. Either order is safe: GC and verify take the manifest and quarantine
    # tables as roots too (Vault.references), so a crash between the commits loses nothing.
    vault.object_refs.record(
        spec.name,
        {
            "raw_manifest": manifest["object_address"].to_pylist(),
            "quarantine": quarantine["raw_address"].to_pylist(),
        },
    )
    return RawResult(
        rows_in=result.rows_in,
        records=result.records.num_rows,
        quarantined=len(result.rejects),
        physical_rows=result.physical_rows,
        blank_lines=result.blank_lines,
        reasons=dict(Counter(str(reject.reason) for reject in result.rejects)),
        objects=len(set(manifest["object_address"].to_pylist())),
        key_ids=sorted(set(manifest["key_id"].to_pylist())),
        sources=result.sources,
        manifest=manifest_write,
        quarantine=quarantine_write,
        schema=schema_summary(
            columns.rename(
                result.records.schema.empty_table(),
                _safe_names(vault, spec, result.records.column_names),
            ).schema
        ),
    )


@dataclass(frozen=True)
class FindingsResult:
    """What scanning a dataset for PII found (counts only)."""

    records_scanned: int
    by_type: dict[str, int]
    by_column: dict[str, int]
    table: tables.TableWrite


def _counts(findings: pa.Table, column: str) -> dict[str, int]:
    if findings.num_rows == 0:
        return {}
    counts = pc.value_counts(findings[column]).to_pylist()
    return dict(sorted((item["values"], item["counts"]) for item in counts))


def find_pii(
    vault: Vault, spec: DatasetSpec, engine: PiiEngine, *, manifest_version: int | None = None
) -> FindingsResult:
    """Decrypt the raw records of one manifest version (default: the latest), detect PII in every
    column not declared passthrough, write the findings table pinned to that manifest version."""
    options = vault.settings.storage_options or None
    manifest = tables.pin(vault.table_url(spec.name, "raw_manifest"), manifest_version, options)
    records = open_pinned_records(vault, spec, manifest)
    plan = column_plan(spec, records.schema)
    findings = engine.detect_table(
        columns.as_text(records, plan.rewritten),
        text_columns=plan.text,
        entity_columns=plan.entity,
    )
    findings = findings.sort_by(
        [(RECORD_ID, "ascending"), ("column", "ascending"), ("start", "ascending")]
    )
    write = tables.write_table(
        vault.table_url(spec.name, "pii_findings"),
        findings,
        storage_options=options,
        inputs={"raw_manifest": manifest},
    )
    return FindingsResult(
        records_scanned=records.num_rows,
        by_type=_counts(findings, "entity_type"),
        by_column=_counts(findings, "column"),
        table=write,
    )


@dataclass(frozen=True)
class AnonymizedResult:
    """What applying the policy did, and what the audit before publishing found.

    ``table`` is None when the audit found PII left: nothing was written.
    """

    rows: int
    report: PolicyReport
    schema: dict[str, str]
    leftover_by_type: dict[str, int]
    leftover_by_column: dict[str, int]
    dropped_columns: list[str]
    table: tables.TableWrite | None

    @property
    def published(self) -> bool:
        """Whether the audited rows became the current anonymized version."""
        return self.table is not None

    @property
    def leftover(self) -> int:
        """Findings the audit reported (0 when published)."""
        return sum(self.leftover_by_type.values())


def anonymize(
    vault: Vault,
    spec: DatasetSpec,
    check_engine: PiiEngine,
    *,
    findings_version: int | None = None,
) -> AnonymizedResult:
    """Apply the policy to the records the findings were computed from, audit, then publish.

    The findings version (default: the latest) names the manifest version it was computed from;
    exactly those records are read. The anonymized rows are scanned by ``check_engine`` before
    they are written (:func:`audit`); with anything left they are not written at all.
    """
    options = vault.settings.storage_options or None
    findings_ref = tables.pin(vault.table_url(spec.name, "pii_findings"), findings_version, options)
    manifest_ref = tables.input_of(findings_ref, "raw_manifest", options)
    records = open_pinned_records(vault, spec, manifest_ref)
    findings = vault.read_table(spec.name, "pii_findings", version=findings_ref.delta_version)
    plan = column_plan(spec, records.schema)
    with_findings = set(findings["column"].to_pylist()) if findings.num_rows else set()
    # Entity columns are rewritten whole and undeclared columns with findings are rewritten in
    # place: both become text. Undeclared columns without findings keep their type.
    records = columns.as_text(
        records, [name for name in plan.rewritten if name in plan.entity or name in with_findings]
    )
    records = records.drop_columns(plan.dropped)
    anonymized, report = anonymize_table(
        records, findings, spec.policy, columns=plan.rewritten, keys=vault.keyring.derive_subkey
    )
    leftover = audit(anonymized, plan, check_engine)
    by_type, by_column = _counts(leftover, "entity_type"), _counts(leftover, "column")
    schema = schema_summary(anonymized.schema)
    if leftover.num_rows:
        return AnonymizedResult(
            anonymized.num_rows, report, schema, by_type, by_column, plan.dropped, None
        )
    write = tables.write_table(
        vault.table_url(spec.name, "anonymized"),
        anonymized,
        storage_options=options,
        inputs={"raw_manifest": manifest_ref, "pii_findings": findings_ref},
    )
    return AnonymizedResult(anonymized.num_rows, report, schema, {}, {}, plan.dropped, write)


def audit(anonymized: pa.Table, plan: columns.ColumnPlan, engine: PiiEngine) -> pa.Table:
    """Findings ``engine`` still reports in anonymized rows (a FINDINGS_SCHEMA table).

    Every column is scanned as text except the record id and the entity columns (rewritten whole
    by construction, often into realistic surrogates that would read as PII). In passthrough
    columns only direct identifiers count (:data:`vault_core.columns.DIRECT_IDENTIFIERS`).
    """
    scanned = [
        name for name in anonymized.column_names if name != RECORD_ID and name not in plan.entity
    ]
    if anonymized.num_rows == 0 or not scanned:
        return FINDINGS_SCHEMA.empty_table()
    found = engine.detect_table(columns.as_text(anonymized, scanned), text_columns=scanned)
    if not plan.passthrough or found.num_rows == 0:
        return found
    in_passthrough = pc.is_in(found["column"], pa.array(plan.passthrough, pa.string()))
    direct = pc.is_in(found["entity_type"], pa.array(sorted(columns.DIRECT_IDENTIFIERS)))
    return found.filter(pc.or_(pc.invert(in_passthrough), direct))


def leftover_pii(vault: Vault, spec: DatasetSpec, engine: PiiEngine) -> dict[str, int]:
    """Findings by type ``engine`` reports in the current anonymized table (see :func:`audit`)."""
    anonymized = vault.read_table(spec.name, "anonymized")
    return _counts(audit(anonymized, column_plan(spec, anonymized.schema), engine), "entity_type")


@dataclass(frozen=True)
class RegisterResult:
    """The registry record of this run and whether it is a new version."""

    record: RegistryRecord
    created: bool
    upstream: dict[str, str] = field(default_factory=dict)


def register(
    vault: Vault,
    spec: DatasetSpec,
    *,
    upstream: dict[str, str],
    run_id: str | None = None,
    provenance: Provenance | None = None,
    checks: dict[str, bool] | None = None,
    anonymized_version: int | None = None,
) -> RegisterResult:
    """Register one anonymized version (default: the latest) as a dataset version (a no-op when
    nothing changed). Its findings and manifest are the versions it was computed from.

    ``provenance`` (run, upstream materializations, source files) and ``checks`` (asset check
    results of this run) come from the orchestrator; they are stored, not compared.
    """
    options = vault.settings.storage_options or None
    ref = tables.pin(vault.table_url(spec.name, "anonymized"), anonymized_version, options)
    inputs = tables.inputs_of(ref, options)
    if "pii_findings" not in inputs or "raw_manifest" not in inputs:
        raise tables.UnpinnedInputError(ref.url, ref.delta_version, "pii_findings")
    anonymized = tables.read_table(ref.url, version=ref.delta_version, storage_options=options)
    # Read by name under this vault home (the recorded URLs go stale if the home is moved).
    findings = vault.read_table(
        spec.name, "pii_findings", version=inputs["pii_findings"].delta_version
    )
    manifest = vault.read_table(
        spec.name, "raw_manifest", version=inputs["raw_manifest"].delta_version
    )
    candidate = VersionCandidate(
        name=spec.name,
        data_version=ref.data_version,
        code_version=code_version(spec, "anonymized"),
        schema_fingerprint=schema_fingerprint(anonymized.schema),
        row_count=anonymized.num_rows,
        storage_url=ref.url,
        delta_version=ref.delta_version,
        pii_summary=_counts(findings, "entity_type"),
        key_ids=sorted(set(manifest["key_id"].to_pylist())),
        upstream=upstream,
        run_id=run_id,
        owner=spec.owner,
        tags=spec.tags,
        annotations={ZONE_ANNOTATION: "anonymized", "policy": spec.policy.name},
        checks=checks or {},
        provenance=provenance or Provenance(run_id=run_id),
        policy_digest=spec.policy.digest(),
        # What the policy was applied to: an unchanged input with another policy is a patch.
        input_version=combine_digests(
            {
                "records": inputs["raw_manifest"].data_version,
                "findings": inputs["pii_findings"].data_version,
                "vault": __version__,
            }
        ),
    )
    record, created = vault.registry.register(candidate)
    return RegisterResult(record, created, upstream)
