"""Polars' thread pool sized to leave one core to Python: the pattern pass's calling thread.

The columnar pattern pass (:mod:`vault_core.pii.scan`) runs its regex scans on polars' pool while
the calling thread judges the matches in numpy and Python; that thread, not the scans, sets the
pace. With a pool as large as the machine, the pool's threads compete with it for every core and
the pass takes longer and more CPU; with one core left to it, less of both (figures in
``benchmarks/RESULTS.md``, issue 14). So, at import of ``vault_core``, ``POLARS_MAX_THREADS``
defaults to the cores this process may use minus one (at least one).

Polars reads the variable once, when it is first imported: a process that imported polars before
``vault_core`` keeps its pool, and a ``POLARS_MAX_THREADS`` the user set always wins.
"""

from __future__ import annotations

import os
import sys

POLARS_THREADS_ENV = "POLARS_MAX_THREADS"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def leave_a_core_to_python() -> None:
    """Default ``POLARS_MAX_THREADS`` to the usable cores minus one, unless it is set or polars
    is imported already (then its pool exists and this would only mislead)."""
    if "polars" in sys.modules:
        return
    os.environ.setdefault(POLARS_THREADS_ENV, str(max(1, usable_cores() - 1)))
