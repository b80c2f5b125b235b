"""Checks of the anonymized zone as plain functions: expectation suites and the residual-PII
estimate on the partitions a run wrote, each read at the Delta version its stage recorded.

The partitions are read one at a time (a suite's memory follows the largest partition); the
residual estimate reads the record ids of every partition, draws its sample from them and then
reads only the sampled rows. Reading is ``dataset:read`` for the acting principal, audited.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from vault_core import partition_tables as ptables
from vault_core.child_process import shared_child
from vault_core.dataset import DatasetSpec
from vault_core.ingest import RECORD_ID
from vault_core.partition_state import PartitionState
from vault_core.quality.residual import (
    ResidualEstimate,
    ResidualPiiSpec,
    TableDetector,
    estimate,
    sample_rows,
)
from vault_core.quality.suite import ExpectationSuiteSpec
from vault_core.stages._common import PARTITION, StageNotRunError, _options, states
from vault_core.tables import open_dataset
from vault_core.vault import Vault


def checked_states(
    vault: Vault, spec: DatasetSpec, partitions: Sequence[str] | None = None
) -> list[PartitionState]:
    """The anonymized stage's state of each of ``partitions`` (None: every partition)."""
    store = states(vault, spec)
    if partitions is None:
        found = store.all("anonymized")
        if not found:
            raise StageNotRunError(spec.name, "anonymized", "any")
        return found
    chosen = []
    for partition in partitions:
        state = store.get("anonymized", partition)
        if state is None:
            raise StageNotRunError(spec.name, "anonymized", partition)
        chosen.append(state)
    return chosen


def _tables(vault: Vault, spec: DatasetSpec, chosen: list[PartitionState]) -> Iterator[Any]:
    url = vault.table_url(spec.name, "anonymized")
    for state in chosen:
        table = ptables.read_partition(
            url, state.partition, version=state.delta_version, storage_options=_options(vault)
        )
        yield state.partition, table.drop_columns([PARTITION])


def run_suite(
    vault: Vault,
    spec: DatasetSpec,
    suite: ExpectationSuiteSpec,
    partitions: Sequence[str] | None = None,
) -> Any:
    """Run ``suite`` on the anonymized rows of ``partitions``; a
    :class:`~vault_core.quality.validate.SuiteResult`.

    Great Expectations runs in the process's check child (:mod:`vault_core.child_process`):
    its import (~150 MB) and each partition's pandas frame stay out of the worker. Each
    partition's Arrow table goes over the child's stdin, one at a time."""
    from vault_core.quality.validate import validate_partitions

    chosen = checked_states(vault, spec, partitions)
    vault.access.require("dataset:read", spec.name, details={"check": suite.check_name})
    in_child = functools.partial(shared_child().call, "vault_core.quality.validate:validate_table")
    return validate_partitions(suite, _tables(vault, spec, chosen), in_child)


def residual_columns(spec: DatasetSpec, schema: pa.Schema) -> list[str]:
    """The anonymized columns the estimate scans: every one but the record id, the partition,
    the entity columns (rewritten whole, often into realistic surrogates) and the passthrough
    columns (declared free of personal data)."""
    skipped = {RECORD_ID, PARTITION, *spec.entity_columns, *spec.passthrough_columns}
    return [f.name for f in schema if f.name not in skipped]


def residual_estimate(
    vault: Vault,
    spec: DatasetSpec,
    engine: TableDetector,
    check: ResidualPiiSpec,
    partitions: Sequence[str] | None = None,
) -> ResidualEstimate:
    """The residual-PII estimate of the anonymized rows of ``partitions`` (``engine``: the full
    engine, NER included, or an isolated one that runs it in a child process)."""
    chosen = checked_states(vault, spec, partitions)
    vault.access.require("dataset:read", spec.name, details={"check": "residual_pii"})
    url, options = vault.table_url(spec.name, "anonymized"), _options(vault)
    ids = []
    for state in chosen:
        ids.append(
            ptables.read_partition(
                url, state.partition, version=state.delta_version, columns=[RECORD_ID, PARTITION],
                storage_options=options,
            )
        )  # fmt: skip
    population = pa.concat_tables(ids)
    sample = sample_rows(population, check.sample_size, check.seed, RECORD_ID)
    schema = open_dataset(url, version=chosen[-1].delta_version, storage_options=options).schema
    columns = residual_columns(spec, schema)
    parts = []
    for state in chosen:
        wanted = sample.filter(ds.field(PARTITION) == state.partition)[RECORD_ID].combine_chunks()
        if len(wanted):
            parts.append(
                ptables.read_partition(
                    url, state.partition, version=state.delta_version,
                    columns=[RECORD_ID, *columns], row_filter=ds.field(RECORD_ID).isin(wanted),
                    storage_options=options,
                )
            )  # fmt: skip
    rows = pa.concat_tables(parts) if parts else schema.empty_table().select([RECORD_ID, *columns])
    return estimate(rows, columns, engine, check, population=population.num_rows)
