"""spaCy NER on two worker processes inside a step of Dagster's multiprocess executor."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

pytestmark = pytest.mark.integration

_JOB_MODULE = textwrap.dedent(
    """
    import multiprocessing
    import resource

    import dagster as dg

    from vault_core.pii import PiiEngine, PiiEngineConfig


    @dg.asset
    def names_found(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        engine = PiiEngine(PiiEngineConfig(mode="full", n_process=2))
        texts = [
            f"Ticket {i}: Anna Schmidt met Robert Brown of Acme Corp in Boston."
            for i in range(300)
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        found = engine.detect_batch(texts)
        engine.close()
        # The pool's workers are reaped when it closes: their CPU time shows they did the NER.
        workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before
        people = sum(f.entity_type == "PERSON" for fs in found for f in fs)
        return dg.MaterializeResult(
            metadata={
                "daemonic_step": multiprocessing.current_process().daemon,
                "texts": len(found),
                "people": people,
                "workers_cpu_s": workers_cpu,
            }
        )


    def job() -> dg.JobDefinition:
        return dg.Definitions(
            assets=[names_found], jobs=[dg.define_asset_job("ner", selection="*")]
        ).resolve_job_def("ner")
    """
)


def test_when_step_runs_ner_on_two_processes_then_pool_starts_and_finds_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ner_step_job.py").write_text(_JOB_MODULE)
    # Step processes import the job module by name.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    # Not first on sys.path: Dagster drops sys.path[0] (the script's folder) when importing.
    monkeypatch.setattr(sys, "path", [sys.path[0], str(tmp_path), *sys.path[1:]])
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.execute_job(dg.build_reconstructable_job("ner_step_job", "job"), instance)
        assert result.success
        [event] = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
    assert metadata["daemonic_step"].value is False
    assert metadata["texts"].value == 300
    # Two names in each of the 300 texts, found by the worker processes (not the step itself).
    assert metadata["people"].value == 600
    assert metadata["workers_cpu_s"].value > 0.2
    sys.modules.pop("ner_step_job", None)
