"""Old code against new in one session, for the stage benchmarks' ``--against REF``.

A temporary git worktree of ``REF`` stands beside the current tree. Each tree's worker runs in a
process of its own: the worker script comes from this tree, the code it measures from the tree
on ``PYTHONPATH``. The trees alternate ``--repeat`` times; the first run of each writes its
output to ``out-<tree>.parquet`` for :func:`same_output`. What is printed: CPU and wall medians
per tree, and the CPU speed-up.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CURRENT = "current"

Times = dict[str, list[dict[str, Any]]]


@contextmanager
def code_trees(root: Path, against: str | None) -> Iterator[dict[str, Path]]:
    """The trees to measure, by name: ``against`` (a worktree under ``root``) first, then the
    current one; the worktree is removed at the end."""
    if not against:
        yield {CURRENT: ROOT}
        return
    old = root / "against"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(old),
                    against], check=True, capture_output=True)  # fmt: skip
    try:
        yield {against: old, CURRENT: ROOT}
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                       check=False)  # fmt: skip


def run_worker(
    script: str, tree: Path, config: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``benchmarks/<script> --worker <config>`` with ``tree`` on PYTHONPATH; the JSON object
    it prints last."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), "--worker", json.dumps(config)],
        env={**os.environ, **(env or {}), "PYTHONPATH": str(tree)},
        cwd=tree, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"worker failed in {tree}:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def output_path(root: Path, tree: str) -> Path:
    return root / f"out-{tree.replace('/', '_')}.parquet"


def alternate(
    trees: Mapping[str, Path],
    repeat: int,
    root: Path,
    run_one: Callable[[Path, Path | None], dict[str, Any]],
) -> Times:
    """``run_one(tree, out)`` for each tree in turn, ``repeat`` times (``out`` only the first
    time, else None)."""
    times: Times = {name: [] for name in trees}
    for i in range(repeat):
        for name, tree in trees.items():
            times[name].append(run_one(tree, output_path(root, name) if i == 0 else None))
    return times


def print_times(times: Times, mb: float) -> None:
    print(f"  {'code':<16}{'cpu s':>8}{'wall s':>8}{'MB/s cpu':>10}")
    for name, runs in times.items():
        cpu = statistics.median(r["cpu"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        print(f"  {name:<16}{cpu:8.2f}{wall:8.2f}{mb / cpu:10.2f}")


def cpu_speedup(times: Times, against: str) -> float:
    """Median CPU of ``against`` over the current tree's."""
    old = statistics.median(r["cpu"] for r in times[against])
    return old / statistics.median(r["cpu"] for r in times[CURRENT])


def same_output(root: Path, against: str) -> bool:
    """Whether the first runs of ``against`` and the current tree wrote equal tables."""
    import pyarrow.parquet as pq

    old, new = output_path(root, against), output_path(root, CURRENT)
    return bool(pq.read_table(old).equals(pq.read_table(new)))
