"""OpenLineage for the vault: dataset names from storage URLs, facets from what the stages
report (counts, schemas, digests, column lineage; never a value) and an emitter of run events
over ``openlineage-python``'s transports. Needs the ``lineage`` extra (``openlineage-python``)."""

from vault_core.lineage.datasets import (
    anonymized_datasets,
    findings_datasets,
    raw_datasets,
    registered_datasets,
    stage_datasets,
)
from vault_core.lineage.emitter import DEFAULT_ENDPOINT, LineageEmitter, LineageRun, Parent
from vault_core.lineage.facets import (
    PRODUCER,
    VAULT_FACET,
    VAULT_FACET_SCHEMA,
    VAULT_FACET_SCHEMA_URL,
    VaultDatasetFacet,
    assertions,
    column_lineage,
    output_statistics,
    quality_metrics,
    schema_facet,
)
from vault_core.lineage.naming import DatasetId, dataset_id

__all__ = [
    "DEFAULT_ENDPOINT",
    "PRODUCER",
    "VAULT_FACET",
    "VAULT_FACET_SCHEMA",
    "VAULT_FACET_SCHEMA_URL",
    "DatasetId",
    "LineageEmitter",
    "LineageRun",
    "Parent",
    "VaultDatasetFacet",
    "anonymized_datasets",
    "assertions",
    "column_lineage",
    "dataset_id",
    "findings_datasets",
    "output_statistics",
    "quality_metrics",
    "raw_datasets",
    "registered_datasets",
    "schema_facet",
    "stage_datasets",
]
