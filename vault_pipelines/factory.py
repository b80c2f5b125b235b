"""Turn a ``DatasetSpec`` into its Dagster assets and checks.

(No ``from __future__ import annotations`` here: Dagster reads the context and resource
annotations of asset functions at definition time.)

``<ds>/raw`` → ``<ds>/pii_findings`` → ``<ds>/anonymized`` (+ check: no PII left) →
``<ds>/registered``. Each asset calls one ``vault_core.stages`` function and reports counts,
digests and locations; never a value from the data.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from vault_core import stages, tables
from vault_core.dataset import DatasetSpec
from vault_core.exceptions import TerminalError
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Provenance, UpstreamRef, head_commit
from vault_pipelines.resources import PiiEngineResource, VaultResource

STAGES = ("raw", "pii_findings", "anonymized", "registered")
RETRY = dg.RetryPolicy(max_retries=2, delay=2)
# The leftover check runs only the deterministic recognizers: NER on text full of <TYPE> tags
# guesses names in the tags themselves, and everything it could find was already replaced.
CHECK_ENGINE = PiiEngineConfig(mode="patterns")
RECORD_METADATA_KEY = "vault/registry_record"


def asset_key(spec: DatasetSpec, stage: str) -> dg.AssetKey:
    """``AssetKey([dataset, stage])``."""
    return dg.AssetKey([spec.name, stage])


@contextmanager
def _terminal_errors_fail_fast() -> Iterator[None]:
    """Terminal vault errors fail the step without retries; others may be retried."""
    try:
        yield
    except TerminalError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def _json(value: Any) -> dg.MetadataValue:
    return dg.MetadataValue.json(value)


def _column_schema(schema: dict[str, str]) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in schema.items()])


def _table_metadata(write: tables.TableWrite) -> dict[str, Any]:
    return {
        "table_url": dg.MetadataValue.path(write.url),
        "delta_version": write.delta_version,
        "dagster/row_count": write.rows,
        "rewritten": write.written,
    }


def dataset_assets(spec: DatasetSpec) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """The assets and checks of one dataset."""
    group = spec.name
    tags = {"vault/dataset": spec.name, **spec.tags}
    owners = [spec.owner] if spec.owner and "@" in spec.owner else None
    raw_key, findings_key, anonymized_key, registered_key = (asset_key(spec, s) for s in STAGES)

    def common(stage: str) -> dict[str, Any]:
        return {
            "group_name": group,
            "code_version": stages.code_version(spec, stage),
            "tags": tags,
            "owners": owners,
            "retry_policy": RETRY,
            "kinds": {"delta", "python"},
        }

    @dg.asset(
        key=raw_key, description=f"Ingested and sealed records of {spec.name}.", **common("raw")
    )
    def raw(context: dg.AssetExecutionContext, vault: VaultResource) -> dg.MaterializeResult:
        with _terminal_errors_fail_fast():
            result = stages.ingest_raw(vault.get_vault(), spec)
        context.log.info(
            "%s: %d rows in, %d records, %d quarantined",
            spec.name,
            result.rows_in,
            result.records,
            result.quarantined,
        )
        return dg.MaterializeResult(
            data_version=dg.DataVersion(result.data_version),
            metadata={
                **_table_metadata(result.manifest),
                "dagster/row_count": result.records,
                "dagster/column_schema": _column_schema(result.schema),
                "rows_in": result.rows_in,
                "records": result.records,
                "quarantined": result.quarantined,
                "quarantine_reasons": _json(result.reasons),
                "quarantine_table": dg.MetadataValue.path(result.quarantine.url),
                "sealed_objects": result.objects,
                "key_ids": _json(result.key_ids),
                "source_files": _json({s.url: s.digest for s in result.sources}),
            },
        )

    @dg.asset(
        key=findings_key,
        deps=[raw_key],
        description=f"PII findings (offsets and types, never values) in {spec.name}.",
        **common("pii_findings"),
    )
    def pii_findings(
        context: dg.AssetExecutionContext, vault: VaultResource, pii: PiiEngineResource
    ) -> dg.MaterializeResult:
        with _terminal_errors_fail_fast():
            result = stages.find_pii(vault.get_vault(), spec, pii.engine(spec.pii))
        context.log.info("%s: %d findings", spec.name, sum(result.by_type.values()))
        return dg.MaterializeResult(
            data_version=dg.DataVersion(result.table.data_version),
            metadata={
                **_table_metadata(result.table),
                "records_scanned": result.records_scanned,
                "findings_by_type": _json(result.by_type),
                "findings_by_column": _json(result.by_column),
                "pii_mode": spec.pii.mode,
            },
        )

    @dg.asset(
        key=anonymized_key,
        deps=[raw_key, findings_key],
        description=f"{spec.name} with the '{spec.policy.name}' policy applied: safe to train on.",
        **common("anonymized"),
    )
    def anonymized(context: dg.AssetExecutionContext, vault: VaultResource) -> dg.MaterializeResult:
        with _terminal_errors_fail_fast():
            result = stages.anonymize(vault.get_vault(), spec)
        return dg.MaterializeResult(
            data_version=dg.DataVersion(result.table.data_version),
            metadata={
                **_table_metadata(result.table),
                "dagster/column_schema": _column_schema(result.schema),
                "policy": spec.policy.name,
                "policy_digest": spec.policy.digest(),
                "policy_report": _json(result.report.to_dict()),
            },
        )

    @dg.asset_check(
        asset=anonymized_key,
        name="no_pii_left",
        blocking=True,
        description="The pattern recognizers find no PII in the anonymized text columns.",
    )
    def no_pii_left(vault: VaultResource, pii: PiiEngineResource) -> dg.AssetCheckResult:
        with _terminal_errors_fail_fast():
            leftover = stages.leftover_pii(vault.get_vault(), spec, pii.engine(CHECK_ENGINE))
        return dg.AssetCheckResult(
            passed=not leftover,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"leftover_by_type": _json(leftover), "leftover": sum(leftover.values())},
        )

    @dg.asset(
        key=registered_key,
        deps=[anonymized_key],
        description=f"Registry version of {spec.name}.",
        **common("registered"),
    )
    def registered(context: dg.AssetExecutionContext, vault: VaultResource) -> dg.MaterializeResult:
        the_vault = vault.get_vault()
        refs = _upstream_refs(context, [raw_key, findings_key, anonymized_key])
        upstream = {ref.asset: ref.data_version for ref in refs}
        provenance = Provenance(
            run_id=context.run.run_id,
            code_version=stages.code_version(spec, "registered"),
            upstream=refs,
            git_commit=context.run.tags.get("dagster/git_commit_hash")
            or os.environ.get("VAULT_GIT_COMMIT")
            or head_commit(),
        )
        checks = _check_results(context, [dg.AssetCheckKey(anonymized_key, "no_pii_left")])
        with _terminal_errors_fail_fast():
            result = stages.register(
                the_vault,
                spec,
                upstream=upstream,
                run_id=context.run.run_id,
                provenance=provenance,
                checks=checks,
            )
        record = result.record
        context.log.info(
            "%s: version %s (%s)",
            spec.name,
            record.version,
            "new" if result.created else "unchanged",
        )
        return dg.MaterializeResult(
            data_version=dg.DataVersion(f"{record.version}+{record.data_version}"),
            metadata={
                "version": record.version,
                "status": str(record.status),
                "new_version": result.created,
                "data_version": record.data_version,
                "delta_version": record.delta_version,
                "registry_url": dg.MetadataValue.path(the_vault.registry.url),
                "dagster/row_count": record.row_count,
                "pii_summary": _json(record.pii_summary),
                "checks": _json(record.checks),
                "upstream": _json(upstream),
                # The whole registry record (counts, digests, locations; never a value) so that
                # the registry index can be rebuilt from the instance alone (registry_sync).
                RECORD_METADATA_KEY: _json(record.model_dump(mode="json")),
            },
        )

    return [raw, pii_findings, anonymized, no_pii_left, registered]


def _upstream_refs(
    context: dg.AssetExecutionContext, keys: Sequence[dg.AssetKey]
) -> list[UpstreamRef]:
    """The upstream materializations as the instance recorded them: data and code versions,
    run ids, storage ids and (for ingest assets) source file digests."""
    refs: list[UpstreamRef] = []
    for key in keys:
        result = context.instance.fetch_materializations(key, limit=1)
        if not result.records:
            continue
        record = result.records[0]
        event = record.asset_materialization
        tags = event.tags if event and event.tags else {}
        version = tags.get("dagster/data_version")
        if not event or not version:
            continue
        sources = event.metadata.get("source_files")
        refs.append(
            UpstreamRef(
                asset=key.to_user_string(),
                data_version=version,
                run_id=record.run_id,
                code_version=tags.get("dagster/code_version"),
                storage_id=record.storage_id,
                source_files=dict(sources.value) if sources is not None else {},
            )
        )
    return refs


def _check_results(
    context: dg.AssetExecutionContext, keys: Sequence[dg.AssetCheckKey]
) -> dict[str, bool]:
    """Latest evaluation of each check (name -> passed); checks never evaluated are left out."""
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(list(keys))
    return {
        key.name: record.status == AssetCheckExecutionRecordStatus.SUCCEEDED
        for key, record in latest.items()
        if record.status != AssetCheckExecutionRecordStatus.PLANNED
    }
