"""Give the memory a stage freed back to the operating system before the next one starts.

A worker builds stage after stage, partition after partition, in one process. What a stage
frees stays with the allocators for reuse: Arrow's pool (mimalloc) keeps freed segments, and
glibc's malloc raises its mmap threshold after large frees, so later large buffers come from a
heap whose freed pages it keeps. The next stage's peak then stacks on the last one's leftovers.
On a 100 MB day of tickets (``benchmarks/stage_memory.py``) a worker held 650-720 MB after a
stage, about 150-200 MB more than after this call, and the next stage's peak was that much
higher. The call costs a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

import pyarrow as pa


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None where the C library has none, e.g. musl or macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(name), "malloc_trim", None)
    return trim


def release_freed_memory() -> None:
    """Return the pages Arrow's pool and the C heap hold free to the operating system."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
