"""The NER worker pool ends cleanly inside a process that defers SIGTERM (a Dagster step)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from vault_core.pii import ner_workers


@pytest.fixture
def sigterm_deferred() -> Iterator[list[int]]:
    """SIGTERM caught and set aside, as a Dagster step process does, while the test runs."""
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: received.append(number))
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_when_the_parent_defers_sigterm_then_terminating_the_pool_ends_its_workers(
    sigterm_deferred: list[int],
) -> None:
    runner: Any = object()  # the workers are never given a job
    context = multiprocessing.get_context("fork")
    pool = context.Pool(
        2,
        initializer=ner_workers._init_worker,
        initargs=(runner, context.Barrier(2), os.getpid()),
    )
    assert pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL
    workers = [process.pid for process in pool._pool]  # type: ignore[attr-defined]
    # Both workers idle on the task queue: terminating takes its lock and signals them.
    ended = threading.Thread(target=pool.terminate, daemon=True)
    ended.start()
    ended.join(timeout=30)
    if ended.is_alive():
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    assert not ended.is_alive(), "Pool.terminate hung on a worker that ignored SIGTERM"
    assert sigterm_deferred == []  # the parent itself got none
