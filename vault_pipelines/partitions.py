"""The Dagster partitions of a dataset: time windows, dynamic file partitions, or none."""

from __future__ import annotations

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.partitions import UNPARTITIONED


def files_partitions_name(spec: DatasetSpec) -> str:
    """Name of the dynamic partitions of a ``files`` dataset (one per landing file)."""
    return f"{spec.name}_files"


def partitions_def(spec: DatasetSpec) -> dg.PartitionsDefinition | None:
    """The partitions every stage asset of ``spec`` shares (None: one implicit partition)."""
    if spec.partitioning == "none":
        return None
    if spec.partitioning == "files":
        return dg.DynamicPartitionsDefinition(name=files_partitions_name(spec))
    assert spec.partition_start is not None
    cls = {
        "hourly": dg.HourlyPartitionsDefinition,
        "daily": dg.DailyPartitionsDefinition,
        "monthly": dg.MonthlyPartitionsDefinition,
    }[spec.partitioning]
    return cls(start_date=spec.partition_start)


def partition_key(context: dg.AssetExecutionContext) -> str:
    """The partition this step processes (``all`` for an unpartitioned dataset)."""
    return context.partition_key if context.has_partition_key else UNPARTITIONED
