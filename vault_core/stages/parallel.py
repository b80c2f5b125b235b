"""One stage over several partitions at once: on worker processes of this machine, or on any
``concurrent.futures.Executor`` (a Dask cluster's ``Client.get_executor()``, for instance).

A step that builds a range of partitions (a single-run backfill) would otherwise build them one
after the other. Each partition is independent (its own landing files, sealed objects, Delta
partition and state), so the work spreads as whole partitions: a task names the stage, the
settings, the dataset and one partition; the worker opens the vault and the PII engine once per
process and calls the same stage function a serial run calls. Results come back in partition
order, so the step's metadata does not depend on the number of workers.
"""

from __future__ import annotations

import atexit
import functools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Literal

from vault_core.dataset import DatasetSpec
from vault_core.memory import release_freed_memory
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.stages.anonymized import AnonymizedResult, anonymize
from vault_core.stages.findings import FindingsResult, find_pii
from vault_core.stages.raw import RawResult, ingest_raw
from vault_core.vault import Vault

Stage = Literal["raw", "pii_findings", "anonymized"]
StageResult = RawResult | FindingsResult | AnonymizedResult


@dataclass(frozen=True)
class PartitionTask:
    """One stage of one partition, as sent to a worker (everything in it pickles)."""

    stage: Stage
    settings: VaultSettings
    spec: DatasetSpec
    partition: str
    engine: PiiEngineConfig | None = None
    """The engine the PII stages use (detection for pii_findings, the audit for anonymized)."""
    principal: str | None = None
    """Who the step acts as (the worker's vault acts as them; None: the process's default)."""
    purpose: str | None = None
    """The step's declared purpose of use."""


@functools.lru_cache(maxsize=4)
def _vault(settings_json: str) -> Vault:
    return Vault(VaultSettings.model_validate_json(settings_json))


def _vault_for(task: PartitionTask) -> Vault:
    """The worker's vault (opened once per home) acting as the task's principal. The step
    already decided that it may act for them, so this is ``acting_as``, not a new delegation."""
    vault = _vault(task.settings.model_dump_json())
    if task.principal is None and task.purpose is None:
        return vault
    return vault.acting_as(task.principal, purpose=task.purpose)


@functools.lru_cache(maxsize=4)
def _engine(config_json: str) -> PiiEngine:
    return PiiEngine(PiiEngineConfig.model_validate_json(config_json))


def run_task(task: PartitionTask) -> StageResult:
    """Run one task in this process (a worker's entry point), reusing its vault and engine."""
    vault = _vault_for(task)
    engine = _engine(task.engine.model_dump_json()) if task.engine else None
    return run_stage(task, vault, engine)


def run_stage(task: PartitionTask, vault: Vault, engine: PiiEngine | None) -> StageResult:
    """The stage function a serial run calls, for ``task``'s partition; what it freed goes back
    to the system before the next stage starts (see :mod:`vault_core.memory`)."""
    try:
        if task.stage == "raw":
            return ingest_raw(vault, task.spec, task.partition)
        assert engine is not None, f"{task.stage} needs a PII engine"
        if task.stage == "pii_findings":
            return find_pii(vault, task.spec, engine, task.partition)
        return anonymize(vault, task.spec, engine, task.partition)
    finally:
        release_freed_memory()


def _one_math_thread() -> None:
    """Workers share the machine's cores: one BLAS/OpenMP thread each (spaCy's NER would start
    one per core in every worker and oversubscribe them)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)


_POOLS: dict[int, ProcessPoolExecutor] = {}


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for this process's lifetime, shared by its steps (an
    in-process run builds all its stages in one process, and a worker keeps its vault and PII
    engine between tasks: the NER model loads once per worker, not once per step).

    Started by a fork server that imports the stages once (a step's process has threads, which a
    plain fork would copy mid-state; spawning would import everything again in each worker).
    """
    pool = _POOLS.get(workers)
    if pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_one_math_thread)
        _POOLS[workers] = pool
        atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def _discard(executor: Executor) -> None:
    for workers, pool in list(_POOLS.items()):
        if pool is executor:
            del _POOLS[workers]
            pool.shutdown(wait=False, cancel_futures=True)


def map_partitions(
    tasks: Sequence[PartitionTask],
    executor: Executor | None,
    run_here: Callable[[PartitionTask], StageResult],
) -> Iterator[StageResult]:
    """Each task's result, in task order: on ``executor`` when given and there is more than one
    task, else one after the other through ``run_here`` (the caller's own vault and engine).

    A task that fails raises its exception here, when its turn comes; tasks already running still
    finish (each writes only its own partition) and those not started are cancelled.
    """
    if executor is None or len(tasks) < 2:
        for task in tasks:
            yield run_here(task)
        return
    try:
        futures = [executor.submit(run_task, task) for task in tasks]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the pool is unusable, so the step fails and
        # its retry starts a new one. The dead worker's partition committed nothing.
        _discard(executor)
        raise
