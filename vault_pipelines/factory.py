"""Turn a ``DatasetSpec`` into its Dagster assets and checks.

(No ``from __future__ import annotations`` here: Dagster reads the context and resource
annotations of asset functions at definition time.)

``<ds>/raw`` → ``<ds>/pii_findings`` → ``<ds>/anonymized`` (+ checks: no PII left, the
expectation suites, the residual-PII estimate; see ``vault_pipelines.checks``) →
``<ds>/registered`` (+ check: training-ready). Each asset calls one ``vault_core.stages``
function and reports counts, digests and locations; never a value from the data. The checks on
``<ds>/anonymized`` are blocking: ``<ds>/registered`` records their results and does not run
after a failed ERROR check.

Each asset reads the exact upstream versions its own run produced (the Delta version in the
upstream materialization of this run), so overlapping runs never mix one run's findings with
another's records. ``no_pii_left`` is evaluated inside ``<ds>/anonymized`` on the rows about to
be written (write, audit, publish): a failing version is never written, the step fails and
``<ds>/registered`` does not run.

Access: each step acts as the run's principal (the ``vault/principal`` tag, else the service
principal of ``VaultResource``) and asks the policy first: ``dataset:ingest`` for raw,
``dataset:read_raw`` for the findings and the anonymized table (they decrypt), and
``dataset:register``. A denial fails the step with ``AccessDenied``, never retried. Every step
then signs an audit checkpoint and records it as an observation of ``vault_audit``: an anchor of
the log outside the vault home (``vault audit verify`` compares them).

Lineage: each asset's step sends OpenLineage run events (START, then COMPLETE or FAIL) with its
input and output tables when ``LineageResource`` says where (``vault_pipelines.lineage``).

Errors: a foreign exception's text may quote a value from the data (``ArrowInvalid`` does), so
at the asset boundary it is replaced by a value-free description; the original traceback is
sealed in the dataset's store scope and only its address is reported.
"""

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from vault_core import __version__, stages
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests
from vault_core.pii import PiiEngineConfig
from vault_core.registry import AssetVersion, Provenance, UpstreamRef, head_commit
from vault_core.stages.checks import warm_check_child
from vault_core.stages.parallel import (
    PartitionTask,
    Stage,
    StageResult,
    map_partitions,
    run_stage,
)
from vault_core.vault import Vault
from vault_pipelines.checks import anonymized_check_names, dataset_checks
from vault_pipelines.errors import value_free_errors
from vault_pipelines.lineage import step_lineage
from vault_pipelines.partitions import partition_keys, partitions_def
from vault_pipelines.resources import (
    LineageResource,
    MlflowResource,
    PartitionWorkersResource,
    PiiEngineResource,
    VaultResource,
)

STAGES = ("raw", "pii_findings", "anonymized", "registered")
RETRY = dg.RetryPolicy(max_retries=2, delay=2)

# Partitioned stages need the single-run backfill policy (a range in one run is what
# `dagster asset materialize --partition-range` asks for). Dagster marks the parameter beta and
# warns on every definitions load; the pinned Dagster version is tested, so the warning is
# silenced for that parameter only.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
RECORD_METADATA_KEY = "vault/registry_record"
NO_PII_LEFT = "no_pii_left"
AUDIT_ASSET_KEY = dg.AssetKey("vault_audit")
AUDIT_ASSET = dg.AssetSpec(
    AUDIT_ASSET_KEY,
    description="The vault's audit log: each observation is a signed checkpoint of its head.",
    group_name="vault",
    code_version=f"{__version__}-audit-v1",
)


def asset_key(spec: DatasetSpec, stage: str) -> dg.AssetKey:
    """``AssetKey([dataset, stage])``."""
    return dg.AssetKey([spec.name, stage])


def _json(value: Any) -> dg.MetadataValue:
    return dg.MetadataValue.json(value)


def _column_schema(schema: dict[str, str]) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in schema.items()])


def _table_metadata(
    url: str, delta_version: int | None, rows: int, skipped: bool
) -> dict[str, Any]:
    return {
        "table_url": dg.MetadataValue.path(url),
        "delta_version": delta_version if delta_version is not None else -1,
        "dagster/row_count": rows,
        "skipped_unchanged": skipped,
    }


def dataset_assets(spec: DatasetSpec) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """The assets and checks of one dataset."""
    group = spec.name
    tags = {"vault/dataset": spec.name, **spec.tags}
    owners = [spec.owner] if spec.owner and "@" in spec.owner else None
    raw_key, findings_key, anonymized_key, registered_key = (asset_key(spec, s) for s in STAGES)

    partitions = partitions_def(spec)

    def common(stage: str) -> dict[str, Any]:
        return {
            "partitions_def": partitions if stage != "registered" else None,
            # One run builds a whole range (what `dagster asset materialize --partition-range`
            # requires); partitions run side by side when launched as runs of their own.
            "backfill_policy": (
                dg.BackfillPolicy.single_run() if partitions and stage != "registered" else None
            ),
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
    def raw(
        context: dg.AssetExecutionContext,
        vault: VaultResource,
        pii: PiiEngineResource,
        workers: PartitionWorkersResource,
        lineage: LineageResource,
    ) -> dg.MaterializeResult:
        per_partition = []
        the_vault = vault.vault_for_run(context.run.tags)
        with (
            step_lineage(context, lineage, the_vault, spec, "raw") as step,
            _anchored(context, the_vault),
        ):
            results = list(_stage_results(context, spec, "raw", vault, pii, workers, None))
            step.describe(lambda ol: ol.raw_datasets(the_vault, spec, results))
        if any(not r.skipped for r in results):  # else the checks reuse their outcomes
            _warm_checks(context, spec, anonymized_key)
        for result in results:
            assert isinstance(result, stages.RawResult)
            context.log.info(
                "%s [%s]: %d rows in, %d records, %d quarantined%s",
                spec.name,
                result.partition,
                result.rows_in,
                result.records,
                result.quarantined,
                " (unchanged: skipped)" if result.skipped else "",
            )
            metadata = {
                **_table_metadata(
                    result.manifest_url, result.delta_version, result.records, result.skipped
                ),
                "dagster/column_schema": _column_schema(result.schema),
                "rows_in": result.rows_in,
                "records": result.records,
                "quarantined": result.quarantined,
                "physical_rows": result.physical_rows,
                "blank_lines": result.blank_lines,
                "quarantine_reasons": result.reasons,
                "quarantine_table": dg.MetadataValue.path(result.quarantine_url),
                "sealed_objects": result.objects,
                "key_ids": result.key_ids,
                "source_files": result.sources,
            }
            per_partition.append((result.data_version, metadata))
        return _materialize_result(per_partition)

    @dg.asset(
        key=findings_key,
        deps=[raw_key],
        description=f"PII findings (offsets and types, never values) in {spec.name}.",
        **common("pii_findings"),
    )
    def pii_findings(
        context: dg.AssetExecutionContext,
        vault: VaultResource,
        pii: PiiEngineResource,
        workers: PartitionWorkersResource,
        lineage: LineageResource,
    ) -> dg.MaterializeResult:
        per_partition = []
        the_vault = vault.vault_for_run(context.run.tags)
        with (
            step_lineage(context, lineage, the_vault, spec, "pii_findings") as step,
            _anchored(context, the_vault),
        ):
            results = list(
                _stage_results(context, spec, "pii_findings", vault, pii, workers, spec.pii)
            )
            step.describe(lambda ol: ol.findings_datasets(the_vault, spec, results))
        for result in results:
            assert isinstance(result, stages.FindingsResult)
            context.log.info(
                "%s [%s]: %d findings", spec.name, result.partition, sum(result.by_type.values())
            )
            metadata = {
                **_table_metadata(result.url, result.delta_version, result.rows, result.skipped),
                "records_scanned": result.records_scanned,
                "findings_by_type": result.by_type,
                "findings_by_column": result.by_column,
                "pii_mode": spec.pii.mode,
            }
            per_partition.append((result.data_version, metadata))
        return _materialize_result(per_partition)

    @dg.asset(
        key=anonymized_key,
        deps=[raw_key, findings_key],
        description=f"{spec.name} with the '{spec.policy.name}' policy applied: safe to train on.",
        check_specs=[
            dg.AssetCheckSpec(
                NO_PII_LEFT,
                asset=anonymized_key,
                blocking=True,
                description=(
                    "The pattern recognizers find no PII in the anonymized rows (every column but "
                    "the record id and the rewritten entity columns), checked before they are "
                    "written: a failing version is never published."
                ),
            )
        ],
        **common("anonymized"),
    )
    def anonymized(
        context: dg.AssetExecutionContext,
        vault: VaultResource,
        pii: PiiEngineResource,
        workers: PartitionWorkersResource,
        lineage: LineageResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        per_partition = []
        checked: dict[str, Any] = {}
        the_vault = vault.vault_for_run(context.run.tags)
        with step_lineage(context, lineage, the_vault, spec, "anonymized") as step:
            with _anchored(context, the_vault):
                results = list(
                    _stage_results(
                        context, spec, "anonymized", vault, pii, workers, stages.audit_engine(spec)
                    )
                )
            no_pii_left = {NO_PII_LEFT: all(r.published for r in results)}
            step.describe(lambda ol: ol.anonymized_datasets(the_vault, spec, results, no_pii_left))
            for result in results:
                assert isinstance(result, stages.AnonymizedResult)
                checked = _merged(
                    [
                        checked,
                        {
                            "leftover_by_type": result.leftover_by_type,
                            "leftover_by_column": result.leftover_by_column,
                            "leftover": result.leftover,
                            "rows_audited": result.rows,
                        },
                    ]
                )
                if result.data_version is None:
                    yield dg.AssetCheckResult(
                        check_name=NO_PII_LEFT,
                        passed=False,
                        severity=dg.AssetCheckSeverity.ERROR,
                        metadata=_metadata_values(checked),
                    )
                    raise dg.Failure(
                        description=(
                            f"{spec.name}/anonymized [{result.partition}]: {result.leftover} PII "
                            f"findings left after the '{spec.policy.name}' policy (by type: "
                            f"{result.leftover_by_type}); the version was not written. Declare the "
                            "columns or choose a policy that covers them."
                        ),
                        allow_retries=False,
                    )
                metadata = {
                    **_table_metadata(
                        result.url, result.delta_version, result.rows, result.skipped
                    ),
                    "dagster/column_schema": _column_schema(result.schema),
                    "policy": spec.policy.name,
                    "policy_digest": spec.policy.digest(),
                    "policy_report": result.report,
                    "dropped_columns": len(result.dropped_columns),
                }
                per_partition.append((result.data_version, metadata))
            yield dg.AssetCheckResult(
                check_name=NO_PII_LEFT,
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=_metadata_values(checked),
            )
            yield _materialize_result(per_partition)

    @dg.asset(
        key=registered_key,
        deps=[anonymized_key],
        description=f"Registry version of {spec.name}.",
        **common("registered"),
    )
    def registered(
        context: dg.AssetExecutionContext,
        vault: VaultResource,
        mlflow: MlflowResource,
        lineage: LineageResource,
    ) -> dg.MaterializeResult:
        the_vault = vault.vault_for_run(context.run.tags)
        with step_lineage(context, lineage, the_vault, spec, "registered") as step:
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
            evaluated = _check_results(
                context,
                [
                    dg.AssetCheckKey(anonymized_key, name)
                    for name in [NO_PII_LEFT, *anonymized_check_names(spec)]
                ],
            )
            with _anchored(context, the_vault), value_free_errors(vault, spec, "registered"):
                stages.authorize(the_vault, spec, "registered")
                result = stages.register(
                    the_vault,
                    spec,
                    upstream=upstream,
                    run_id=context.run.run_id,
                    provenance=provenance,
                    checks={name: passed for name, (passed, _) in evaluated.items()},
                    check_severities={name: severity for name, (_, severity) in evaluated.items()},
                )
                logged = mlflow.log_version(the_vault, result.record) if result.created else None
            step.describe(lambda ol: ol.registered_datasets(the_vault, spec, result, evaluated))
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
                    "files_vacuumed": result.files_vacuumed,
                    **({"mlflow_run_id": logged} if logged else {}),
                    # The whole registry record (counts, digests, locations; never a value) so that
                    # the registry index can be rebuilt from the instance alone (registry_sync).
                    RECORD_METADATA_KEY: _json(record.model_dump(mode="json")),
                },
            )

    return [
        raw,
        pii_findings,
        anonymized,
        registered,
        *dataset_checks(spec, anonymized_key, registered_key),
    ]


def registration_event(record: AssetVersion, metadata: dict[str, Any]) -> dg.AssetMaterialization:
    """A materialization of ``<ds>/registered`` for a version registered outside its asset (an
    erasure, a retention purge): same data version and registry record as the asset reports,
    so the registry sync and a rebuilt index know it and the UI shows the version that is
    current. ``metadata``: counts of what was removed (never a value)."""
    return dg.AssetMaterialization(
        asset_key=dg.AssetKey([record.name, "registered"]),
        description=f"{record.key} registered after data was removed",
        metadata=_metadata_values(
            {
                **metadata,
                "version": record.version,
                "status": str(record.status),
                "new_version": True,
                "data_version": record.data_version,
                "delta_version": record.delta_version,
                "dagster/row_count": record.row_count,
                RECORD_METADATA_KEY: record.model_dump(mode="json"),
            }
        ),
        tags={"dagster/data_version": f"{record.version}+{record.data_version}"},
    )


# Executors that run every step of a run in the process that runs the first one.
_IN_PROCESS_EXECUTORS = frozenset({"in_process", "execute_in_process_executor"})


def _warm_checks(
    context: dg.AssetExecutionContext, spec: DatasetSpec, anonymized_key: dg.AssetKey
) -> None:
    """When this run's checks of ``anonymized_key`` will run in this process, start loading
    what they load in the check children now, while the next stages run (see
    ``warm_check_child``). In a run of one small partition, Great Expectations' import and the
    residual engine's load were most of the checks' step time. A step process of the
    multiprocess executor ends after its step: a child warmed there would be lost."""
    if context.job_def.executor_def.name not in _IN_PROCESS_EXECUTORS:
        return
    run = context.run
    if run.asset_check_selection is not None:
        wanted = any(key.asset_key == anonymized_key for key in run.asset_check_selection)
    else:
        wanted = run.asset_selection is None or anonymized_key in run.asset_selection
    if wanted:
        warm_check_child(spec)


def _stage_results(
    context: dg.AssetExecutionContext,
    spec: DatasetSpec,
    stage: Stage,
    vault: VaultResource,
    pii: PiiEngineResource,
    workers: PartitionWorkersResource,
    engine: PiiEngineConfig | None,
) -> Iterator[StageResult]:
    """``stage``'s result for each partition of the step, in order: in this process, or spread
    over the partition workers when the step builds a range. Errors are reported value-free."""
    with value_free_errors(vault, spec, stage), workers.executor() as executor:
        the_vault = vault.vault_for_run(context.run.tags)
        stages.authorize(the_vault, spec, stage)
        acting = (the_vault.principal.id, the_vault.purpose)
        tasks = [
            PartitionTask(stage, vault.settings(), spec, key, engine, *acting)
            for key in partition_keys(context)
        ]
        here = pii.engine(engine) if engine else None
        yield from map_partitions(tasks, executor, lambda task: run_stage(task, the_vault, here))


@contextmanager
def _anchored(context: dg.AssetExecutionContext, the_vault: Vault) -> Iterator[None]:
    """After the step (failed or not): a signed checkpoint of the audit log, recorded in the
    instance as an observation of ``vault_audit`` (hashes and counts, no entry content).

    Used around whole stages in the asset bodies, never inside a generator that might be
    closed by the garbage collector later: logging to the instance from there re-entered the
    SQLite event log's lock of whatever the process was doing then (a deadlock, seen in tests).
    """
    try:
        yield
    except GeneratorExit:
        raise  # closed by the garbage collector: no step left to report on
    except BaseException:
        _checkpoint_to_instance(context, the_vault)
        raise
    _checkpoint_to_instance(context, the_vault)


def _checkpoint_to_instance(context: dg.AssetExecutionContext, the_vault: Vault) -> None:
    checkpoint = the_vault.audit.checkpoint()
    if checkpoint is not None:
        context.log_event(
            dg.AssetObservation(
                asset_key=AUDIT_ASSET_KEY,
                metadata={
                    "vault_home": the_vault.settings.home,
                    "seq": checkpoint.seq,
                    "head": checkpoint.head,
                    "public_key": checkpoint.public_key,
                    "signature": checkpoint.signature,
                    "checkpoint": checkpoint.digest(),
                },
            )
        )


def _merged(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metadata of several partitions as one: counts summed (also inside dicts), the rest last."""
    merged: dict[str, Any] = {}
    for part in parts:
        for name, value in part.items():
            old = merged.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, dict)):
                merged[name] = value
            elif isinstance(value, int):
                merged[name] = (old if isinstance(old, int) else 0) + value
            else:
                merged[name] = _merged([old if isinstance(old, dict) else {}, value])
    return merged


def _metadata_values(metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _json(value) if isinstance(value, (dict, list)) else value
        for name, value in metadata.items()
    }


def _materialize_result(
    per_partition: Sequence[tuple[str, dict[str, Any]]],
) -> dg.MaterializeResult:
    """One materialization for the partition (or the range) a step processed. A range (a
    single-run backfill) reports its totals and a data version combining its partitions'."""
    if len(per_partition) == 1:
        data_version, metadata = per_partition[0]
    else:
        data_version = combine_digests({str(i): v for i, (v, _) in enumerate(per_partition)})
        metadata = {**_merged([m for _, m in per_partition]), "partitions": len(per_partition)}
        metadata["skipped_unchanged"] = all(m["skipped_unchanged"] for _, m in per_partition)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(data_version), metadata=_metadata_values(metadata)
    )


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
) -> dict[str, tuple[bool, str]]:
    """Latest evaluation of each check: name -> (passed, severity); checks never evaluated are
    left out."""
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(list(keys))
    found = {}
    for key, record in latest.items():
        if record.status == AssetCheckExecutionRecordStatus.PLANNED:
            continue
        event = record.event.dagster_event if record.event else None
        data = event.event_specific_data if event else None
        severity = data.severity.value if isinstance(data, dg.AssetCheckEvaluation) else "ERROR"
        found[key.name] = (record.status == AssetCheckExecutionRecordStatus.SUCCEEDED, severity)
    return found
