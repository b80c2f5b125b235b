"""The four stages of one dataset (raw, pii_findings, anonymized, registered) as plain functions.

Dagster assets call these and turn their results into materializations; notebooks and tests call
them directly. Results carry counts, digests and locations only, never a value from the data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from vault_core import __version__, tables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests, schema_fingerprint
from vault_core.ingest import RECORD_ID, SourceFile, ingest
from vault_core.pii import PiiEngine, PolicyReport, anonymize_table
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
            include={"pii", "text_columns", "entity_columns"}, exclude={"pii": {"n_process"}}
        )
    if stage == "anonymized":
        parts["policy"] = spec.policy.digest()
    return f"{__version__}-" + combine_digests(parts)[3:15]


def schema_summary(schema: pa.Schema) -> dict[str, str]:
    """Column name -> Arrow type, for metadata."""
    return {field.name: str(field.type) for field in schema}


@dataclass(frozen=True)
class RawResult:
    """What ingesting and sealing a dataset did."""

    rows_in: int
    records: int
    quarantined: int
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
        reasons=dict(Counter(str(reject.reason) for reject in result.rejects)),
        objects=len(set(manifest["object_address"].to_pylist())),
        key_ids=sorted(set(manifest["key_id"].to_pylist())),
        sources=result.sources,
        manifest=manifest_write,
        quarantine=quarantine_write,
        schema=schema_summary(result.records.schema),
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


def find_pii(vault: Vault, spec: DatasetSpec, engine: PiiEngine) -> FindingsResult:
    """Decrypt the raw records, detect PII in text and entity columns, write the findings table."""
    records = open_records(vault.store, vault.read_table(spec.name, "raw_manifest"))
    findings = engine.detect_table(
        records, text_columns=spec.text_columns, entity_columns=spec.entity_columns
    )
    findings = findings.sort_by(
        [(RECORD_ID, "ascending"), ("column", "ascending"), ("start", "ascending")]
    )
    write = tables.write_table(
        vault.table_url(spec.name, "pii_findings"),
        findings,
        storage_options=vault.settings.storage_options or None,
    )
    return FindingsResult(
        records_scanned=records.num_rows,
        by_type=_counts(findings, "entity_type"),
        by_column=_counts(findings, "column"),
        table=write,
    )


@dataclass(frozen=True)
class AnonymizedResult:
    """What applying the policy did."""

    rows: int
    report: PolicyReport
    schema: dict[str, str]
    table: tables.TableWrite


def anonymize(vault: Vault, spec: DatasetSpec) -> AnonymizedResult:
    """Apply the dataset's policy to its records using the stored findings."""
    records = open_records(vault.store, vault.read_table(spec.name, "raw_manifest"))
    findings = vault.read_table(spec.name, "pii_findings")
    anonymized, report = anonymize_table(
        records, findings, spec.policy, columns=spec.pii_columns, keys=vault.keyring.derive_subkey
    )
    write = tables.write_table(
        vault.table_url(spec.name, "anonymized"),
        anonymized,
        storage_options=vault.settings.storage_options or None,
    )
    return AnonymizedResult(anonymized.num_rows, report, schema_summary(anonymized.schema), write)


def leftover_pii(vault: Vault, spec: DatasetSpec, engine: PiiEngine) -> dict[str, int]:
    """Findings by type that ``engine`` still reports in the anonymized text columns."""
    anonymized = vault.read_table(spec.name, "anonymized")
    findings = engine.detect_table(anonymized, text_columns=spec.text_columns)
    return _counts(findings, "entity_type")


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
) -> RegisterResult:
    """Register the anonymized table as a dataset version (a no-op when nothing changed).

    ``provenance`` (run, upstream materializations, source files) and ``checks`` (asset check
    results of this run) come from the orchestrator; they are stored, not compared.
    """
    url = vault.table_url(spec.name, "anonymized")
    options = vault.settings.storage_options or None
    anonymized = tables.read_table(url, storage_options=options)
    findings = vault.read_table(spec.name, "pii_findings")
    manifest = vault.read_table(spec.name, "raw_manifest")
    candidate = VersionCandidate(
        name=spec.name,
        data_version=tables.current_data_version(url, options) or "",
        code_version=code_version(spec, "anonymized"),
        schema_fingerprint=schema_fingerprint(anonymized.schema),
        row_count=anonymized.num_rows,
        storage_url=url,
        delta_version=tables.table_version(url, options),
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
                "records": tables.current_data_version(
                    vault.table_url(spec.name, "raw_manifest"), options
                )
                or "",
                "findings": tables.current_data_version(
                    vault.table_url(spec.name, "pii_findings"), options
                )
                or "",
                "vault": __version__,
            }
        ),
    )
    record, created = vault.registry.register(candidate)
    return RegisterResult(record, created, upstream)
