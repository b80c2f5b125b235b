"""The NER worker processes: kept between calls, warmed by load(), replaced, stopped, and never
outliving their parent."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig, ner
from vault_core.pii.exceptions import DetectionError
from vault_core.pii.finding import Finding

pytestmark = pytest.mark.integration

# Enough distinct pieces for the pool (n_process * 64 at least), two names in each.
TEXTS = [f"Ticket {i}: Anna Schmidt met Robert Brown of Acme Corp in Boston." for i in range(300)]


def _worker_pids() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


@pytest.fixture
def engine() -> Iterator[PiiEngine]:
    engine = PiiEngine(PiiEngineConfig(mode="full", n_process=2))
    try:
        yield engine
    finally:
        engine.close()


def _people(found: list[list[object]]) -> int:
    return sum(getattr(f, "entity_type", None) == "PERSON" for fs in found for f in fs)


def test_when_loaded_then_two_warm_workers_serve_every_call_until_closed(
    engine: PiiEngine,
) -> None:
    before = _worker_pids()
    engine.load()
    workers = _worker_pids() - before
    assert len(workers) == 2
    first = engine.detect_batch(TEXTS)
    second = engine.detect_batch(TEXTS)
    assert _worker_pids() - before == workers  # the same two processes did both calls
    assert _people(first) == _people(second) == 600
    engine.close()
    assert not _worker_pids() - before
    # A later call starts new workers.
    assert _people(engine.detect_batch(TEXTS)) == 600
    assert len(_worker_pids() - before) == 2


def test_when_workers_run_the_results_equal_one_process() -> None:
    with PiiEngine(PiiEngineConfig(mode="full", n_process=1)) as alone:
        expected = alone.detect_batch(TEXTS)
    with PiiEngine(PiiEngineConfig(mode="full", n_process=2)) as pooled:
        pooled.load()
        assert pooled.detect_batch(TEXTS) == expected


def test_when_a_pool_has_run_its_jobs_then_the_next_call_replaces_it(
    engine: PiiEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ner, "JOBS_PER_POOL", 2)
    before = _worker_pids()
    engine.detect_batch(TEXTS)  # one call: two jobs (256 pieces and 44)
    first = _worker_pids() - before
    engine.detect_batch(TEXTS)
    second = _worker_pids() - before
    assert len(first) == len(second) == 2
    assert not first & second


def _use_inherited_ner(engine: PiiEngine, answer: multiprocessing.SimpleQueue[int]) -> None:
    # The NER alone: polars' thread pool does not survive a fork, so a forked copy of a used
    # engine cannot run the pattern pass (polars documents it); the NER must still work.
    found: list[list[Finding]] = [[] for _ in TEXTS]
    engine._ner.add_findings(TEXTS, found)
    answer.put(_people(found))  # type: ignore[arg-type]
    engine.close()


def test_when_the_owner_forks_then_the_child_starts_its_own_workers(engine: PiiEngine) -> None:
    engine.load()
    parents = _worker_pids()
    context = multiprocessing.get_context("fork")
    answer: multiprocessing.SimpleQueue[int] = context.SimpleQueue()
    child = context.Process(target=_use_inherited_ner, args=(engine, answer))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
    assert answer.get() == 600
    # The child's close() left the parent's workers alone: they still serve it.
    assert parents <= {p.pid for p in psutil.Process().children()}
    assert _people(engine.detect_batch(TEXTS)) == 600


_OWNER = """
import json, sys, time
import psutil
from vault_core.pii import PiiEngine, PiiEngineConfig
engine = PiiEngine(PiiEngineConfig(mode="full", n_process=2))
engine.load()
print(json.dumps([child.pid for child in psutil.Process().children()]), flush=True)
time.sleep(600)  # killed by the test
"""


def test_when_the_owner_is_killed_then_its_workers_exit() -> None:
    # A fresh interpreter: a fork of this test process could not run the pattern pass that
    # load() warms (polars' thread pool does not survive a fork).
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    workers = json.loads(owner.stdout.readline())
    assert len(workers) == 2
    owner.kill()  # SIGKILL: no atexit, no finalizer, only the workers' own check
    owner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(psutil.pid_exists(pid) and
                                              psutil.Process(pid).status() != "zombie"
                                              for pid in workers):  # fmt: skip
        time.sleep(0.2)
    alive = [pid for pid in workers
             if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]  # fmt: skip
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "NER workers outlived their killed parent"


def test_when_an_idle_worker_is_killed_then_the_next_call_starts_new_workers(
    engine: PiiEngine,
) -> None:
    before = _worker_pids()
    engine.load()
    victim = min(_worker_pids() - before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while victim in _worker_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # the pool's manager thread notices the death
    assert _people(engine.detect_batch(TEXTS)) == 600
    assert victim not in _worker_pids()


def _kill_workers_soon(pids: set[int]) -> None:
    time.sleep(0.3)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_when_a_worker_dies_mid_call_then_the_call_fails_clearly_and_the_next_works(
    engine: PiiEngine,
) -> None:
    # multiprocessing.Pool would wait forever for the lost job's result.
    before = _worker_pids()
    engine.load()
    many = [f"{text} Also Maria Lopez wrote to Peter Novak." for text in TEXTS * 20]
    many = [f"{i} {text}" for i, text in enumerate(many)]
    killer = threading.Thread(target=_kill_workers_soon, args=(_worker_pids() - before,))
    killer.start()
    with pytest.raises(DetectionError, match="BrokenProcessPool"):
        engine.detect_batch(many)
    killer.join()
    assert _people(engine.detect_batch(TEXTS)) == 600
