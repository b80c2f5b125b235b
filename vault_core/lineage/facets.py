"""OpenLineage facets of the vault's tables: schema, data quality (counts only), the vault facet
(data version, semver, policy digest) and the column lineage of an anonymized table.

Plain functions from what the stages report; nothing here reads data or holds a value from it.
Column names are the ones the stages show (names that hold PII already replaced by labels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attr
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    output_statistics_output_dataset,
    schema_dataset,
)
from openlineage.client.generated.base import DatasetFacet

from vault_core import __version__
from vault_core.columns import ColumnPlan
from vault_core.ingest import RECORD_ID
from vault_core.lineage.naming import DatasetId
from vault_core.partition_tables import PARTITION
from vault_core.pii.policy import Policy

PRODUCER = f"https://vault.invalid/vault/{__version__}"
"""The ``producer`` of every event and facet: this release of the vault (``.invalid``: a name,
not a published address, RFC 2606)."""

VAULT_FACET = "vault"
"""The key of :class:`VaultDatasetFacet` in a dataset's ``facets``."""
VAULT_FACET_SCHEMA = "VaultDatasetFacet.json"
"""The facet's JSON schema, shipped beside this module."""
VAULT_FACET_SCHEMA_URL = (
    "https://vault.invalid/spec/facets/1-0-0/VaultDatasetFacet.json#/$defs/VaultDatasetFacet"
)


@attr.define
class VaultDatasetFacet(DatasetFacet):
    """What the vault knows of a table it wrote: its stage, data version (content digest),
    registry version, policy and counts. Never a value from the data."""

    stage: str
    dataVersion: str | None = attr.field(default=None)  # the spec spells fields in camelCase
    """Content digest of the data written (``b3:...``)."""
    version: str | None = attr.field(default=None)
    """Semantic version in the registry (``<ds>/registered`` only)."""
    status: str | None = attr.field(default=None)
    """Registry status of that version."""
    policy: str | None = attr.field(default=None)
    """Name of the anonymization policy applied."""
    policyDigest: str | None = attr.field(default=None)
    """Digest of the policy applied (``Policy.digest``)."""
    partitions: list[str] = attr.field(factory=list)
    """Partitions this run wrote (``all`` without partitioning)."""
    counts: dict[str, int] = attr.field(factory=dict)
    """Counts the stage reported (rows in, quarantined, findings by type, ...)."""
    checks: dict[str, bool] = attr.field(factory=dict)
    """Check name -> passed, for the checks known when the event was built."""

    @staticmethod
    def _get_schema() -> str:
        return VAULT_FACET_SCHEMA_URL


def schema_facet(schema: Mapping[str, str]) -> schema_dataset.SchemaDatasetFacet:
    """Column name -> type (Arrow's spelling) as a schema facet."""
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(name=name, type=kind, ordinal_position=i)
            for i, (name, kind) in enumerate(schema.items(), start=1)
        ],
        producer=PRODUCER,
    )


def quality_metrics(
    rows: int,
) -> data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet:
    """The row count of an input as a data-quality metrics facet (no column statistics: they
    would be computed from values)."""
    return data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
        rowCount=rows, columnMetrics={}, producer=PRODUCER
    )


def output_statistics(
    rows: int,
) -> output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet:
    """Rows written, as an output statistics facet."""
    return output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
        rowCount=rows, producer=PRODUCER
    )


def assertions(
    checks: Mapping[str, tuple[bool, str]],
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    """Check name -> (passed, severity) as assertions on an input dataset."""
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[
            data_quality_assertions_dataset.Assertion(
                assertion=name, success=passed, severity=severity.lower(), name=name
            )
            for name, (passed, severity) in sorted(checks.items())
        ],
        producer=PRODUCER,
    )


def _field(
    source: DatasetId, column: str, subtype: str, description: str, *, masking: bool
) -> column_lineage_dataset.InputField:
    return column_lineage_dataset.InputField(
        namespace=source.namespace,
        name=source.name,
        field=column,
        transformations=[
            column_lineage_dataset.Transformation(
                type="DIRECT", subtype=subtype, description=description, masking=masking
            )
        ],
    )


def _text_operators(policy: Policy, column: str) -> str:
    """How the policy rewrites the findings of a scanned column, by entity type."""
    if column in policy.columns:
        return f"{policy.columns[column].kind} (every finding, column override)"
    overrides = ", ".join(f"{entity}: {op.kind}" for entity, op in sorted(policy.entities.items()))
    return f"{policy.default.kind} (each finding)" + (f"; {overrides}" if overrides else "")


def column_lineage(
    plan: ColumnPlan, policy: Policy, source: DatasetId, output_columns: Sequence[str]
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """Which raw column each column of the anonymized table comes from, and how.

    Passthrough columns, the record id and the partition are identities; entity columns are
    rewritten whole by their entity type's operator; scanned text columns have each finding
    rewritten by the policy's operator for its type (``masking``: the output hides what the
    input held). A k-anonymity step adds its generalization to its quasi-identifiers and, as it
    may suppress rows, an indirect dependency of the whole table on them.
    """
    quasi = set(policy.k_anonymity.quasi_identifiers) if policy.k_anonymity else set()
    fields: dict[str, column_lineage_dataset.Fields] = {}
    for column in output_columns:
        if column in (RECORD_ID, PARTITION) or column in plan.passthrough:
            inputs = [_field(source, column, "IDENTITY", "copied unchanged", masking=False)]
        elif column in plan.entity:
            entity = plan.entity[column]
            operator = policy.operator_for(column, entity)
            inputs = [
                _field(
                    source, column, "TRANSFORMATION", f"{operator.kind} ({entity})", masking=True
                )
            ]
        else:
            inputs = [
                _field(
                    source, column, "TRANSFORMATION", _text_operators(policy, column), masking=True
                )
            ]
        if column in quasi:
            assert policy.k_anonymity is not None
            inputs[0].transformations.append(  # type: ignore[union-attr]
                column_lineage_dataset.Transformation(
                    type="DIRECT",
                    subtype="TRANSFORMATION",
                    description=f"generalized to k={policy.k_anonymity.k} (k-anonymity)",
                    masking=True,
                )
            )
        fields[column] = column_lineage_dataset.Fields(inputFields=inputs)
    dataset = [
        column_lineage_dataset.InputField(
            namespace=source.namespace,
            name=source.name,
            field=column,
            transformations=[
                column_lineage_dataset.Transformation(
                    type="INDIRECT",
                    subtype="FILTER",
                    description="rows of classes smaller than k suppressed (k-anonymity)",
                )
            ],
        )
        for column in sorted(quasi)
        if column in output_columns
    ]
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields=fields, dataset=dataset or None, producer=PRODUCER
    )
