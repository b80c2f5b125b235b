"""The demo's closing summary, read back from the Dagster instance's latest materializations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.partitions import UNPARTITIONED
from vault_pipelines.factory import RECORD_METADATA_KEY


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset's line of the summary."""

    name: str
    rows_in: int
    rows_out: int
    quarantined: int
    findings_by_type: dict[str, int]
    anonymized_table: str
    version: str
    data_version: str
    new_version: bool
    partitions: list[str]
    """The partitions the registered version holds (``["all"]`` without partitioning)."""
    mlflow_run_id: str | None = None
    """The MLflow run that logged the version as a dataset (when this run registered it)."""


def _metadata(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, Any]:
    entry = instance.get_latest_materialization_event(key)
    if entry is None or entry.asset_materialization is None:
        return {}
    return {name: value.value for name, value in entry.asset_materialization.metadata.items()}


def collect(instance: dg.DagsterInstance, datasets: list[DatasetSpec]) -> list[DatasetSummary]:
    """Summaries of ``datasets`` from what the instance recorded."""
    rows = []
    for spec in datasets:
        raw = _metadata(instance, dg.AssetKey([spec.name, "raw"]))
        findings = _metadata(instance, dg.AssetKey([spec.name, "pii_findings"]))
        anonymized = _metadata(instance, dg.AssetKey([spec.name, "anonymized"]))
        registered = _metadata(instance, dg.AssetKey([spec.name, "registered"]))
        record = registered.get(RECORD_METADATA_KEY) or {}
        rows.append(
            DatasetSummary(
                name=spec.name,
                rows_in=int(raw.get("rows_in", 0)),
                rows_out=int(raw.get("records", 0)),
                quarantined=int(raw.get("quarantined", 0)),
                findings_by_type=dict(findings.get("findings_by_type") or {}),
                anonymized_table=str(anonymized.get("table_url", "-")),
                version=str(registered.get("version", "-")),
                data_version=str(registered.get("data_version", "-")),
                new_version=bool(registered.get("new_version", False)),
                partitions=sorted(record.get("partitions", {})),
                mlflow_run_id=registered.get("mlflow_run_id"),
            )
        )
    return rows


def render(summaries: list[DatasetSummary]) -> str:
    """A plain-text table for the terminal."""
    header = (
        f"{'dataset':<12}{'rows in':>9}{'rows out':>10}{'quarantined':>13}  {'version':<9}"
        "data version"
    )
    lines = [header, "-" * len(header)]
    for s in summaries:
        state = "new" if s.new_version else "unchanged"
        lines.append(
            f"{s.name:<12}{s.rows_in:>9}{s.rows_out:>10}{s.quarantined:>13}  "
            f"{s.version:<9}{s.data_version[:27]}  ({state})"
        )
    for s in summaries:
        lines.append("")
        lines.append(f"{s.name}: anonymized table {s.anonymized_table}")
        if s.mlflow_run_id:
            lines.append(f"{s.name}: logged to MLflow, run {s.mlflow_run_id}")
        if s.partitions != [UNPARTITIONED]:
            lines.append(f"  {len(s.partitions)} partitions: {', '.join(s.partitions)}")
        found = sorted(s.findings_by_type.items(), key=lambda item: (-item[1], item[0]))
        total = sum(s.findings_by_type.values())
        lines.append(f"  PII findings ({total}): " + ", ".join(f"{k} {v}" for k, v in found))
    return "\n".join(lines)
