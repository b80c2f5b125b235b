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


def partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    """The partitions this step processes, in order: one, a backfilled range, or ``all`` for a
    dataset without partitioning."""
    if context.has_partition_key_range or context.has_partition_key:
        return list(context.partition_keys)
    return [UNPARTITIONED]
