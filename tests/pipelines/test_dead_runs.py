"""A run whose process is killed ends FAILURE, and the registry forgets what it never recorded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from vault_core.registry import Provenance, Registry, VersionCandidate
from vault_pipelines.instance import fail_dead_runs
from vault_pipelines.registry_sync import RegistrySync

REPO = Path(__file__).resolve().parents[2]

# A job whose step says it started, then hangs until killed; run in process like `vault demo`.
_RUN = """
import sys, time
from pathlib import Path
import dagster as dg
from vault_pipelines.instance import process_tags

@dg.op
def hang() -> None:
    Path(sys.argv[1]).write_text("started")
    time.sleep(120)

@dg.job
def hanging() -> None:
    hang()

with dg.DagsterInstance.get() as instance:
    hanging.execute_in_process(instance=instance, tags=process_tags())
"""


@pytest.fixture
def killed_run(tmp_path: Path) -> tuple[dg.DagsterInstance, str]:
    """An instance under tmp_path holding one run whose process was SIGKILLed mid-step."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(marker)], env={**os.environ, "DAGSTER_HOME": str(home)}
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the run process ended early"
            assert time.monotonic() < deadline, "the run never started its step"
            time.sleep(0.1)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    instance = dg.DagsterInstance.from_config(str(home))
    (run,) = instance.get_runs()
    return instance, run.run_id


def test_when_a_run_process_is_killed_then_the_next_start_marks_it_failed(
    killed_run: tuple[dg.DagsterInstance, str],
) -> None:
    instance, run_id = killed_run
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]
    assert fail_dead_runs(instance) == [run_id]
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]
    assert fail_dead_runs(instance) == []


def test_when_a_live_run_is_checked_then_it_is_left_alone(tmp_path: Path) -> None:
    from vault_pipelines.instance import process_tags

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run = instance.create_run_for_job(
            dg.GraphDefinition("g").to_job(),
            tags=process_tags(),
            status=dg.DagsterRunStatus.STARTED,
        )
        assert fail_dead_runs(instance) == []
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]


def test_when_a_killed_run_wrote_a_record_in_step_then_the_sync_removes_it(
    killed_run: tuple[dg.DagsterInstance, str], tmp_path: Path
) -> None:
    instance, run_id = killed_run
    registry = Registry.open(str(tmp_path / "registry" / "versions"))
    # What <ds>/registered writes into the index before its materialization is recorded.
    registry.register(
        VersionCandidate(
            name="tickets",
            data_version="b3:dead",
            code_version="1",
            schema_fingerprint="b3:s",
            row_count=1,
            storage_url=str(tmp_path),
            run_id=run_id,
            provenance=Provenance(run_id=run_id),
        )
    )
    RegistrySync(instance, registry).run()
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]
    assert registry.list() == []
