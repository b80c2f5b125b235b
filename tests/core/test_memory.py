"""Freed memory goes back to the system between stages."""

from __future__ import annotations

import numpy as np

from vault_core.memory import _malloc_trim, release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_when_large_buffers_were_freed_then_release_returns_their_pages() -> None:
    # glibc raises its mmap threshold after a large free: the next buffers below it come from
    # the heap, whose pages free() keeps (this is what a stage left behind in a worker).
    assert _malloc_trim() is not None  # glibc on the machines we run on
    np.ones(40_000_000 // 8)  # freed at once: raises the threshold to ~40 MB
    blocks, pins = [], []
    for _ in range(300):  # 300 MB from the heap, each block followed by a small kept one
        blocks.append(np.ones(1_000_000 // 8))
        pins.append(np.ones(10_000 // 8))
    del blocks  # free() cannot shrink the heap past the pins: it keeps the pages
    before = _rss_mb()
    release_freed_memory()
    assert before - _rss_mb() > 200
