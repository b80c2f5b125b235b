"""vault_core._gc: the collector's threshold raised for a block, restored after the last one."""

from __future__ import annotations

import gc
import threading

import pytest

from vault_core._gc import fewer_collections


def test_when_blocks_nest_then_the_threshold_is_restored_after_the_outer_one() -> None:
    before = gc.get_threshold()
    with fewer_collections(before[0] + 1000):
        assert gc.get_threshold()[0] == before[0] + 1000
        with fewer_collections(10):
            assert gc.get_threshold()[0] == before[0] + 1000
        assert gc.get_threshold()[0] == before[0] + 1000
    assert gc.get_threshold() == before


def test_when_the_block_fails_then_the_threshold_is_restored() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_when_blocks_overlap_in_threads_then_the_last_one_out_restores() -> None:
    before = gc.get_threshold()
    inside, release = threading.Barrier(2), threading.Event()

    def hold() -> None:
        with fewer_collections():
            inside.wait()
            release.wait()

    thread = threading.Thread(target=hold)
    thread.start()
    with fewer_collections():
        inside.wait()
    assert gc.get_threshold() != before  # the thread's block still runs
    release.set()
    thread.join()
    assert gc.get_threshold() == before
