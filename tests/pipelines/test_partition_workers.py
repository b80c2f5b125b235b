"""A backfilled range built by one run, its partitions spread over worker processes of this
machine or over a real Dask cluster's workers (issue 13 item 4, issue 18 items 4 and 5)."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import psutil
import pytest

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.stages import parallel
from vault_core.vault import Vault
from vault_pipelines.definitions import build_definitions, partitions_job_name
from vault_pipelines.resources import PartitionWorkersResource

pytestmark = pytest.mark.integration
DAYS = ["2026-12-01", "2026-12-02", "2026-12-03"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    for n, day in enumerate(DAYS):
        (folder / day).mkdir()
        lines = [
            json.dumps({"chat_id": f"{day}-{i}", "body": f"mail user{i}@example.com, {day}"})
            for i in range(20 + 5 * n)
        ]
        (folder / day / "chats.jsonl").write_text("\n".join([*lines, "{broken"]) + "\n")
    return folder


def _spec(landing: Path) -> DatasetSpec:
    return DatasetSpec(
        name="chats",
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["body"],
        passthrough_columns=["chat_id"],
        partitioning="daily",
        partition_start=DAYS[0],
        pii=PiiEngineConfig(mode="patterns"),
        batch_rows=8,
    )


def _build_range(
    home: Path, landing: Path, instance: dg.DagsterInstance, workers: PartitionWorkersResource
) -> dict[str, Any]:
    """Build every day in one run; return what each stage recorded per partition."""
    settings = VaultSettings(home=str(home))
    spec = _spec(landing)
    job = build_definitions([spec], settings, workers=workers).resolve_job_def(
        partitions_job_name(spec)
    )
    result = job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": DAYS[0],
            "dagster/asset_partition_range_end": DAYS[-1],
        },
    )
    assert result.success
    store = stages.states(Vault(settings), spec)
    return {
        stage: {
            s.partition: (s.rows, {k: v for k, v in s.counts.items() if k in _COMPARED})
            for s in store.all(stage)
        }
        for stage in ("raw", "pii_findings", "anonymized")
    }


# Counts that do not depend on the home's keys (sealed object addresses and digests do).
_COMPARED = {"rows_in", "quarantined", "reasons", "records_scanned", "by_type", "by_column"}


@pytest.fixture(scope="module")
def serial(
    tmp_path_factory: pytest.TempPathFactory, landing: Path, dagster_instance: dg.DagsterInstance
) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("serial")
    return _build_range(home, landing, dagster_instance, PartitionWorkersResource())


def test_when_two_worker_processes_build_a_range_then_every_partition_matches_a_serial_run(
    tmp_path: Path, landing: Path, dagster_instance: dg.DagsterInstance, serial: dict[str, Any]
) -> None:
    built = _build_range(
        tmp_path / "home", landing, dagster_instance, PartitionWorkersResource(processes=2)
    )
    # The pool outlives the steps (kept for the process): its workers opened the vault.
    workers = psutil.Process().children(recursive=True)
    assert len(workers) >= 2
    opened = parallel.process_pool(2).map(_vaults_opened, range(8))
    assert max(opened) >= 1
    assert set(built["anonymized"]) == set(DAYS)
    assert built == serial
    assert [built["raw"][day][0] for day in DAYS] == [20, 25, 30]  # records: the broken line out


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


def _vaults_opened(*_: object) -> int:
    """How many vaults this worker process opened (the worker cache of vault_core's stages)."""
    return int(parallel._vault.cache_info().currsize)


def test_when_a_dask_cluster_is_configured_then_its_workers_build_the_partitions(
    tmp_path: Path,
    landing: Path,
    dagster_instance: dg.DagsterInstance,
    serial: dict[str, Any],
    dask_cluster: Any,
) -> None:
    cluster, client = dask_cluster
    assert sum(client.run(_vaults_opened).values()) == 0
    built = _build_range(
        tmp_path / "home",
        landing,
        dagster_instance,
        PartitionWorkersResource(dask_address=cluster.scheduler_address),
    )
    assert built == serial
    assert sum(client.run(_vaults_opened).values()) >= 1  # the tasks ran on the Dask workers


def _land_big_days(folder: Path, rows: int) -> None:
    for n, day in enumerate(DAYS):
        (folder / day).mkdir(parents=True)
        # Ids that no detector reads as a card number (`2026-12-01-4242` can be one).
        lines = (
            json.dumps({"chat_id": f"d{n}-{i}", "body": f"mail user{i}@example.com, {day}"})
            for i in range(rows)
        )
        (folder / day / "chats.jsonl").write_text("\n".join(lines) + "\n")


def _anonymized_rows(home: Path, spec: DatasetSpec) -> list[dict[str, Any]]:
    rows = Vault(VaultSettings(home=str(home))).read_table(spec.name, "anonymized").to_pylist()
    return sorted(rows, key=lambda row: (row["partition"], row["record_id"]))


def test_when_a_worker_is_killed_mid_partition_then_the_retry_finishes_like_a_clean_run(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    landing = tmp_path / "landing"
    _land_big_days(landing, rows=6000)
    spec = _spec(landing).model_copy(update={"batch_rows": 300})
    # Two homes with the same keys: record ids and tokens come out the same.
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    Vault(VaultSettings(home=str(clean))).keyring  # noqa: B018 - creates the keys
    killed.mkdir()
    shutil.copytree(clean / "keys", killed / "keys")

    def run(home: Path, workers: PartitionWorkersResource) -> dg.ExecuteInJobResult:
        job = build_definitions([spec], VaultSettings(home=str(home)), workers=workers)
        return job.resolve_job_def(partitions_job_name(spec)).execute_in_process(
            instance=dagster_instance,
            raise_on_error=False,
            tags={
                "dagster/asset_partition_range_start": DAYS[0],
                "dagster/asset_partition_range_end": DAYS[-1],
            },
        )

    assert run(clean, PartitionWorkersResource()).success
    results: list[dg.ExecuteInJobResult] = []
    runner = threading.Thread(
        target=lambda: results.append(run(killed, PartitionWorkersResource(processes=2)))
    )
    runner.start()
    objects = killed / "objects"
    deadline = time.monotonic() + 120
    while not (objects.exists() and any(p.is_file() for p in objects.rglob("*"))):
        assert time.monotonic() < deadline, "no sealed object appeared"
        time.sleep(0.01)
    # A partition is being sealed: kill the pool's workers mid-way (only them: other children
    # of this process, such as the S3 or PostgreSQL servers of other tests, stay up). The pids
    # come from the executor's own table (private, but the only place that names them).
    for pid in list(parallel.process_pool(2)._processes or {}):
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()
    runner.join(timeout=600)
    result = results[0]
    assert result.success  # the step's retry policy ran it again on a new pool
    retried = [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    assert retried, "the raw step should have failed once and been retried"
    assert _anonymized_rows(killed, spec) == _anonymized_rows(clean, spec)
