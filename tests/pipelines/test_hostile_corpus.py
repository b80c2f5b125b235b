"""The hostile corpus through the whole asset graph on a real instance: no crash, every row
accounted for, no planted value in the anonymized tables (any Delta version), the findings, the
quarantine table or the Dagster event log (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import deltalake
import pytest
from dagster._serdes import serialize_value

from tests.core.ingest.hostile_corpus import FORMATS, HostileFile, write_hostile_corpus
from tests.core.pii.test_obfuscated_pii import CASES
from vault_core import tables
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.pii.normalize import normalize_text
from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_pipelines.definitions import ALL_JOB, build_definitions

pytestmark = pytest.mark.integration


def _every_version(url: str) -> str:
    """The text of every Delta version of a table (time travel included)."""
    if not deltalake.DeltaTable.is_deltatable(url):
        return ""
    latest = deltalake.DeltaTable(url).version()
    return "\n".join(
        json.dumps(tables.read_table(url, version=v).to_pylist(), default=str, ensure_ascii=False)
        + json.dumps(tables.read_table(url, version=v).column_names, ensure_ascii=False)
        for v in range(latest + 1)
    )


def test_when_the_hostile_corpus_runs_through_the_graph_then_nothing_crashes_or_leaks(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    settings = VaultSettings(home=str(tmp_path / "home"))
    files: dict[str, list[HostileFile]] = {}
    specs = []
    for fmt in FORMATS:
        folder = tmp_path / "landing" / fmt
        files[fmt] = write_hostile_corpus(folder, fmt)
        if fmt == "jsonl":  # and the obfuscated variants, one row each, in an undeclared column
            rows = [{"case": name, "note": case.text} for name, case in CASES.items()]
            path = folder / "obfuscated.jsonl"
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
            planted = tuple(
                form
                for case in CASES.values()
                for form in (case.value, normalize_text(case.value)[0])
            )
            files[fmt].append(HostileFile(path, fmt, "obfuscated PII", planted))
        # Nothing declared but the text of txt files: every column is scanned (fail closed).
        specs.append(
            DatasetSpec(
                name=f"hostile_{fmt}",
                source=f"{folder}/*.{fmt}",
                format=fmt,  # type: ignore[arg-type]
                text_columns=["text"] if fmt == "txt" else [],
                pii=PiiEngineConfig(mode="patterns"),
            )
        )
    job = build_definitions(specs, settings).resolve_job_def(ALL_JOB)
    result = job.execute_in_process(instance=dagster_instance, raise_on_error=False)
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert [f.step_key for f in failures] == []  # crashes: 0

    vault = Vault(settings)
    planted = {value for fmt_files in files.values() for f in fmt_files for value in f.planted}
    exposed = serialize_value(list(dagster_instance.all_logs(result.run_id)))
    totals = {"files": 0, "rows_in": 0, "records": 0, "quarantined": 0}
    for spec in specs:
        raw = next(
            e.materialization
            for e in result.get_asset_materialization_events()
            if e.asset_key == dg.AssetKey([spec.name, "raw"])
        )
        rows_in, records, quarantined = (
            int(raw.metadata[key].value)  # type: ignore[arg-type]
            for key in ("rows_in", "records", "quarantined")
        )
        assert rows_in == records + quarantined
        assert vault.read_table(spec.name, "anonymized").num_rows == records
        totals["files"] += len(files[spec.format])
        totals["rows_in"] += rows_in
        totals["records"] += records
        totals["quarantined"] += quarantined
        for zone in ("anonymized", "pii_findings", "quarantine", "raw_manifest"):
            exposed += _every_version(vault.table_url(spec.name, zone))
    leaked = sorted(value for value in planted if value in exposed)
    print(f"hostile corpus: {totals}, crashes 0, values leaked {len(leaked)}")
    assert leaked == []
    assert totals["files"] >= 50
    assert totals["quarantined"] > 0
    assert totals["records"] > 0
