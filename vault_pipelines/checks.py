"""Asset checks of a dataset beyond ``no_pii_left``: its expectation suites and its residual-PII
estimate on ``<ds>/anonymized``, and the training-ready gate on ``<ds>/registered``.

(No ``from __future__ import annotations``: Dagster reads the context and resource annotations.)

Every check on ``<ds>/anonymized`` is blocking: ``<ds>/registered`` waits for them (so it
records their results) and does not run when one fails with ERROR severity. Each evaluates the
partitions the run materialized, at the Delta versions their stage recorded; a check launched
alone (from the UI) evaluates every partition as last written. A partition whose anonymized
data has not changed since the same check last ran on it is not read again: its outcome is
reused (``partitions_reused`` in the metadata; see ``vault_core.check_cache``). The suites and
the residual check's full engine run in the worker's check children (``vault_core.child_process``,
one each): Great Expectations and spaCy are imported there, by the first check that runs, never
in the worker.
"""

from typing import Any

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.partitions import UNPARTITIONED
from vault_core.quality import RESIDUAL_CHECK, ExpectationSuiteSpec
from vault_core.quality.contract import dataset_suites
from vault_core.registry import TRAINING_READY
from vault_core.stages import checks as check_stage
from vault_pipelines.errors import value_free_errors
from vault_pipelines.resources import VaultResource

TRAINING_READY_CHECK = "training_ready"
SEVERITIES = {"ERROR": dg.AssetCheckSeverity.ERROR, "WARN": dg.AssetCheckSeverity.WARN}


def anonymized_check_names(spec: DatasetSpec) -> list[str]:
    """Names of the checks this module adds to ``<ds>/anonymized``."""
    names = [suite.check_name for suite in dataset_suites(spec)]
    return [*names, RESIDUAL_CHECK] if spec.residual_pii is not None else names


def run_partitions(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> list[str] | None:
    """Partitions of ``key`` materialized by this run, in order (None: none were, the check
    runs on its own)."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    found: list[str] = []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.asset_key != key:
            continue
        partition = event.partition or UNPARTITIONED
        if partition not in found:
            found.append(partition)
    return found or None


def _metadata(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: dg.MetadataValue.json(value) if isinstance(value, (dict, list)) else value
        for name, value in values.items()
    }


def _suite_check(
    spec: DatasetSpec, suite: ExpectationSuiteSpec, key: dg.AssetKey
) -> dg.AssetChecksDefinition:
    source = suite.file or ("generated" if suite.name == "contract" else "dataset spec")

    @dg.asset_check(
        asset=key,
        name=suite.check_name,
        blocking=True,
        description=(
            f"Great Expectations suite '{suite.name}' ({len(suite.expectations)} expectations, "
            f"{source}) on the anonymized rows; severity {suite.severity}."
        ),
    )
    def _check(context: dg.AssetCheckExecutionContext, vault: VaultResource) -> dg.AssetCheckResult:
        the_vault = vault.vault_for_run(context.run.tags)
        partitions = run_partitions(context, key)
        with value_free_errors(vault, spec, suite.check_name):
            result = check_stage.run_suite(the_vault, spec, suite, partitions)
        context.log.info(
            "%s: suite %s, %d/%d expectations passed on %d rows",
            spec.name,
            suite.name,
            len(result.outcomes) - len(result.failed),
            len(result.outcomes),
            result.rows,
        )
        reused = {
            "partitions_validated": len(result.partitions) - result.reused,
            "partitions_reused": result.reused,
        }
        return dg.AssetCheckResult(
            passed=bool(result.success and result.outcomes),
            severity=SEVERITIES[suite.severity],
            metadata=_metadata({**result.metadata(), "source": source, **reused}),
        )

    return _check


def _residual_check(spec: DatasetSpec, key: dg.AssetKey) -> dg.AssetChecksDefinition:
    check = spec.residual_pii
    assert check is not None
    engine = check_stage.residual_engine(spec)  # in the worker's engine child, loaded once

    @dg.asset_check(
        asset=key,
        name=RESIDUAL_CHECK,
        blocking=True,
        description=(
            f"The full engine (NER included) on a seeded sample of {check.sample_size} "
            f"anonymized records: estimated share with PII left, per type (Wilson interval); "
            f"fails above {check.max_rate:.1%}; severity {check.severity}."
        ),
    )
    def _check(context: dg.AssetCheckExecutionContext, vault: VaultResource) -> dg.AssetCheckResult:
        the_vault = vault.vault_for_run(context.run.tags)
        partitions = run_partitions(context, key)
        with value_free_errors(vault, spec, RESIDUAL_CHECK):
            found = check_stage.residual_estimate(the_vault, spec, engine, check, partitions)
        context.log.info(
            "%s: residual PII in %d of %d sampled records (seed %d)",
            spec.name,
            found.by_type["ANY"].records,
            found.sample_size,
            found.seed,
        )
        return dg.AssetCheckResult(
            passed=found.passed,
            severity=SEVERITIES[check.severity],
            metadata=_metadata(
                {
                    **found.metadata(),
                    "partitions": found.partitions,
                    "partitions_validated": 0 if found.reused else found.partitions,
                    "partitions_reused": found.partitions if found.reused else 0,
                }
            ),
        )

    return _check


def _training_ready_check(spec: DatasetSpec, key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=key,
        name=TRAINING_READY_CHECK,
        description=(
            "Training-ready: anonymized, every ERROR check of the run passed, no upstream "
            "version deprecated or non-compliant, and the access policy allows training use."
        ),
    )
    def _check(context: dg.AssetCheckExecutionContext, vault: VaultResource) -> dg.AssetCheckResult:
        the_vault = vault.vault_for_run(context.run.tags)
        latest = context.instance.get_latest_materialization_event(key)
        version_value = latest.asset_materialization.metadata.get("version") if latest else None
        if version_value is None:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"failures": dg.MetadataValue.json(["never registered"])},
            )
        version = str(version_value.value)
        with value_free_errors(vault, spec, TRAINING_READY_CHECK):
            result = the_vault.training_ready(spec.name, version)
        return dg.AssetCheckResult(
            passed=result.passed,
            # WARN: not being training-ready is no breach of compliance (the registry makes a
            # version non-compliant only for failed ERROR checks of what it was built from).
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "version": version,
                "policy": TRAINING_READY.name,
                "failures": dg.MetadataValue.json(result.failures),
            },
        )

    return _check


def dataset_checks(
    spec: DatasetSpec, anonymized: dg.AssetKey, registered: dg.AssetKey
) -> list[dg.AssetChecksDefinition]:
    """The suite checks and the residual-PII check of ``<ds>/anonymized`` and the
    training-ready check of ``<ds>/registered``."""
    checks = [_suite_check(spec, suite, anonymized) for suite in dataset_suites(spec)]
    if spec.residual_pii is not None:
        checks.append(_residual_check(spec, anonymized))
    checks.append(_training_ready_check(spec, registered))
    return checks
