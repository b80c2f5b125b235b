"""The input and output datasets of each stage of a dataset, named by their storage URLs and
described by what the stage reported (schemas, counts, digests, column lineage; no values).

:func:`stage_datasets` names them before a step runs (the START event); the ``*_datasets``
functions describe them from the step's results (COMPLETE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
from openlineage.client.event_v2 import InputDataset, OutputDataset
from openlineage.client.facet_v2 import (
    dataset_version_dataset,
    input_statistics_input_dataset,
)

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.lineage.facets import (
    PRODUCER,
    VAULT_FACET,
    VaultDatasetFacet,
    assertions,
    column_lineage,
    output_statistics,
    quality_metrics,
    schema_facet,
)
from vault_core.lineage.naming import DatasetId, dataset_id
from vault_core.partitions import glob_root
from vault_core.vault import Vault

RAW_TABLE = "raw_manifest"
"""The raw zone's table: the manifest of the sealed objects (record ids, addresses)."""
_TABLES = {"raw": RAW_TABLE, "pii_findings": "pii_findings", "anonymized": "anonymized"}
_INPUTS = {
    "raw": (),
    "pii_findings": ("raw",),
    "anonymized": ("raw", "pii_findings"),
    "registered": ("anonymized",),
}


def _input(where: DatasetId, **input_facets: Any) -> InputDataset:
    return InputDataset(where.namespace, where.name, inputFacets=input_facets)


def _output(where: DatasetId, facets: dict[str, Any], **output_facets: Any) -> OutputDataset:
    return OutputDataset(where.namespace, where.name, facets=facets, outputFacets=output_facets)


def table_id(vault: Vault, spec: DatasetSpec, stage: str) -> DatasetId:
    """Where ``stage`` of ``spec`` writes its table (the registry for ``registered``)."""
    if stage == "registered":
        return dataset_id(vault.settings.registry_url)
    # From the spec's tenant, as Vault.table_url will resolve it once the dataset is listed in
    # the catalog (its first raw step lists it): START and COMPLETE name the same table.
    prefix = vault.settings.datasets_prefix(spec.tenant)
    return dataset_id(vault.settings.path(*prefix, spec.name, _TABLES[stage]))


def landing_id(spec: DatasetSpec) -> DatasetId:
    """The landing folder of ``spec`` (the fixed folder of its source glob: the dataset's own
    definition, never a file name, which may hold PII)."""
    return dataset_id(glob_root(spec.source) or spec.source)


def stage_datasets(
    vault: Vault, spec: DatasetSpec, stage: str
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The names of what ``stage`` reads and writes, before it runs."""
    inputs = [landing_id(spec)] if stage == "raw" else []
    inputs += [table_id(vault, spec, upstream) for upstream in _INPUTS[stage]]
    return [_input(i) for i in inputs], [_output(table_id(vault, spec, stage), {})]


def _vault_facet(stage: str, data_version: str | None, partitions: list[str], **kw: Any) -> Any:
    return VaultDatasetFacet(
        stage=stage, dataVersion=data_version, partitions=partitions, producer=PRODUCER, **kw
    )


def _combined(versions: Sequence[str | None]) -> str | None:
    return versions[0] if len(versions) == 1 else None


def _prefixed(prefix: str, counts: Mapping[str, int]) -> dict[str, int]:
    return {f"{prefix}.{name}": int(count) for name, count in counts.items()}


def raw_datasets(
    vault: Vault, spec: DatasetSpec, results: Sequence[stages.RawResult]
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The landing folder (files and rows read) and the raw zone (schema, records, counts)."""
    records = sum(r.records for r in results)
    schema: dict[str, str] = {}
    for result in results:
        schema.update(result.schema)
    landing = _input(
        landing_id(spec),
        inputStatistics=input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
            rowCount=sum(r.rows_in for r in results),
            fileCount=sum(len(r.sources) for r in results),
            producer=PRODUCER,
        ),
    )
    counts = {
        "rows_in": sum(r.rows_in for r in results),
        "records": records,
        "quarantined": sum(r.quarantined for r in results),
        "sealed_objects": sum(r.objects for r in results),
    }
    raw = _output(
        table_id(vault, spec, "raw"),
        {
            "schema": schema_facet(schema),
            VAULT_FACET: _vault_facet(
                "raw",
                _combined([r.data_version for r in results]),
                [r.partition for r in results],
                counts=counts,
            ),
        },
        outputStatistics=output_statistics(records),
    )
    return [landing], [raw]


def findings_datasets(
    vault: Vault, spec: DatasetSpec, results: Sequence[stages.FindingsResult]
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The raw zone and the findings table (schema, rows, findings by type: counts)."""
    rows = sum(r.rows for r in results)
    by_type: dict[str, int] = {}
    for result in results:
        for entity, count in result.by_type.items():
            by_type[entity] = by_type.get(entity, 0) + count
    findings = _output(
        table_id(vault, spec, "pii_findings"),
        {
            "schema": schema_facet(stages.schema_summary(stages.FINDINGS_TABLE_SCHEMA)),
            VAULT_FACET: _vault_facet(
                "pii_findings",
                _combined([r.data_version for r in results]),
                [r.partition for r in results],
                counts={
                    "records_scanned": sum(r.records_scanned for r in results),
                    **_prefixed("findings", by_type),
                },
            ),
        },
        outputStatistics=output_statistics(rows),
    )
    raw = _input(
        table_id(vault, spec, "raw"),
        dataQualityMetrics=quality_metrics(sum(r.records_scanned for r in results)),
    )
    return [raw], [findings]


def anonymized_datasets(
    vault: Vault,
    spec: DatasetSpec,
    results: Sequence[stages.AnonymizedResult],
    checks: Mapping[str, bool],
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The raw zone, the findings and the anonymized table: schema, rows, the policy, the
    checks evaluated in the step and the column lineage from the raw zone."""
    rows = sum(r.rows for r in results)
    schema: dict[str, str] = {}
    for result in results:
        schema.update(result.schema)
    raw = table_id(vault, spec, "raw")
    plan = stages.column_plan(spec, pa.schema([(name, pa.string()) for name in schema]))
    anonymized = _output(
        table_id(vault, spec, "anonymized"),
        {
            "schema": schema_facet(schema),
            "columnLineage": column_lineage(plan, spec.policy, raw, list(schema)),
            VAULT_FACET: _vault_facet(
                "anonymized",
                _combined([r.data_version for r in results]),
                [r.partition for r in results],
                policy=spec.policy.name,
                policyDigest=spec.policy.digest(),
                counts={
                    "rows": rows,
                    "dropped_columns": len({c for r in results for c in r.dropped_columns}),
                    "leftover_findings": sum(r.leftover for r in results),
                },
                checks=dict(checks),
            ),
        },
        outputStatistics=output_statistics(rows),
    )
    inputs = [_input(raw), _input(table_id(vault, spec, "pii_findings"))]
    return inputs, [anonymized]


def registered_datasets(
    vault: Vault,
    spec: DatasetSpec,
    result: stages.RegisterResult,
    checks: Mapping[str, tuple[bool, str]],
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The anonymized table (with the results of its checks as assertions) and the registry
    (the version: semver, data version, policy digest, status)."""
    record = result.record
    source = _input(
        table_id(vault, spec, "anonymized"),
        dataQualityMetrics=quality_metrics(record.row_count),
        **({"dataQualityAssertions": assertions(checks)} if checks else {}),
    )
    registry = _output(
        table_id(vault, spec, "registered"),
        {
            "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                datasetVersion=f"{record.name}@{record.version}", producer=PRODUCER
            ),
            VAULT_FACET: _vault_facet(
                "registered",
                record.data_version,
                sorted(record.partitions),
                version=record.version,
                status=str(record.status),
                policy=spec.policy.name,
                policyDigest=record.policy_digest,
                counts={"rows": record.row_count, **_prefixed("pii", record.pii_summary)},
                checks={name: passed for name, (passed, _) in checks.items()},
            ),
        },
    )
    return [source], [registry]
