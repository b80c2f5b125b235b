"""NER worker processes kept from one detection to the next (``full`` mode, ``n_process`` > 1).

The workers are forked from the process that loaded the spaCy model, so they share it (never
pickled); each job is a run of consecutive pieces, and a worker sends back only entity offsets
and labels; results are read in order, so the output does not depend on the number of
processes.

They are kept between calls because a fresh fork's first job writes to memory it still shares
with its parent: ~13,000 copy-on-write page faults on the independent corpus, +0.18 s of CPU,
nearly doubling that job (see benchmarks/RESULTS.md). Forking per call paid that in every call.
:meth:`NerWorkers.warm` pays it once, in ``PiiEngine.load()``.

A pool is replaced by a fresh fork at the start of a call once it has run
:data:`JOBS_PER_POOL` jobs: spaCy's vocabulary grows with every new word a worker reads, while
the parent's stays as loaded. Workers stop with :meth:`NerWorkers.close`, when their owner is
garbage-collected, or at the interpreter's exit; a worker whose parent died exits by itself.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from threading import BrokenBarrierError
from typing import Any, Protocol

JOBS_PER_POOL = 512
"""Jobs a pool runs before the next call replaces it (a job is up to ``batch_size`` pieces)."""
_WARM_TIMEOUT_S = 120.0
_ORPHAN_CHECK_S = 1.0

Entity = tuple[int, int, str, str | None]
"""An entity of a piece: ``(start, end, spaCy label, text if one word else None)``."""
Entities = list[Entity]
"""A piece's entities."""


class Runner(Protocol):
    """What the workers run: the NER of a list of pieces (:class:`vault_core.pii.ner._Runner`)."""

    def entities(self, pieces: list[str], batch_size: int) -> list[Entities]: ...


class NerWorkers:
    """``n_process`` forked workers running ``runner``, kept until closed.

    A ``concurrent.futures`` process pool, not ``multiprocessing.Pool``: when a worker dies
    (killed for memory, say), the pending jobs fail with ``BrokenProcessPool`` instead of
    waiting forever for a result that will not come; :attr:`broken` then tells the owner to
    start new workers."""

    def __init__(self, runner: Runner, n_process: int) -> None:
        self.n_process = n_process
        self.owner_pid = os.getpid()
        self.jobs_run = 0
        self._failed = False
        context = multiprocessing.get_context("fork")
        warmed = context.Barrier(n_process, timeout=_WARM_TIMEOUT_S)
        self._pool = ProcessPoolExecutor(
            n_process,
            mp_context=context,
            initializer=_init_worker,
            initargs=(runner, warmed, self.owner_pid),
        )
        self._stop: Callable[[], Any] = weakref.finalize(self, _stop_pool, self._pool, os.getpid())

    @property
    def broken(self) -> bool:
        """Whether a worker died: the pool takes no more jobs. (The executor marks itself as
        soon as its manager thread sees a worker end; ``_broken`` is how it records that.)"""
        return self._failed or bool(getattr(self._pool, "_broken", False))

    def warm(self, pieces: list[str], batch_size: int) -> None:
        """Every worker reads ``pieces`` once (each takes one job and waits for the others)."""
        warming = [
            self._pool.submit(_warm_worker, (pieces, batch_size)) for _ in range(self.n_process)
        ]
        for future in warming:
            future.result()
        self.jobs_run += self.n_process

    def entities(self, jobs: Iterable[list[str]], batch_size: int) -> Iterator[list[Entities]]:
        """The entities of the pieces of each job, job by job, in order. Each job goes to the
        workers as soon as it is drawn from ``jobs``; results come once all are sent.

        Raises:
            BrokenProcessPool: If a worker died.
        """
        sent: list[Future[list[Entities]]] = []
        try:
            for job in jobs:
                sent.append(self._pool.submit(_worker_entities, (job, batch_size)))
            self.jobs_run += len(sent)
            for future in sent:
                yield future.result()
        except BrokenProcessPool:
            self._failed = True
            raise
        finally:
            for future in sent:
                future.cancel()  # those not started, when the caller stops early or fails

    def close(self) -> None:
        """Stop the workers once they finish their jobs (idempotent)."""
        self._stop()


def _stop_pool(pool: ProcessPoolExecutor, owner_pid: int) -> None:
    # A forked copy of the owner must leave the owner's workers alone.
    if os.getpid() == owner_pid:
        # The workers leave on their sentinels once their jobs are done.
        pool.shutdown(wait=True, cancel_futures=True)


_worker_runner: Runner | None = None
_worker_warmed: Any = None


def _init_worker(runner: Runner, warmed: Any, parent_pid: int) -> None:
    global _worker_runner, _worker_warmed
    _worker_runner = runner
    _worker_warmed = warmed
    # A forked worker inherits its parent's Python handler for SIGTERM; a Dagster step's
    # defers it, so ``Pool.terminate`` could not stop a worker still waiting on the task
    # queue (whose lock the terminating pool holds): the step hung. The default lets it die.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A worker blocks on the task queue, whose pipe it holds open itself: without its parent
    # (killed, or left through os._exit) nothing would end it.
    threading.Thread(
        target=_exit_when_orphaned, args=(parent_pid,), name="vault-ner-orphan", daemon=True
    ).start()
    # Each worker multiplies with one BLAS thread: OpenBLAS's default of one thread per core in
    # every worker oversubscribed the cores (see benchmarks/RESULTS.md). threadpoolctl comes
    # with the scientific stack; without it the default stands.
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - present wherever numpy's stack is
        return
    threadpool_limits(1)


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_ORPHAN_CHECK_S)
    os._exit(0)


def _worker_entities(job: tuple[list[str], int]) -> list[Entities]:
    pieces, batch_size = job
    assert _worker_runner is not None
    return _worker_runner.entities(pieces, batch_size)


def _warm_worker(job: tuple[list[str], int]) -> None:
    _worker_entities(job)
    # Hold this worker until every other has taken its own warm-up job. If one died or
    # stalled the barrier breaks: the pool still works, less warm.
    with contextlib.suppress(BrokenBarrierError):
        _worker_warmed.wait()
