"""Peak memory of each stage of one day of tickets, in one process, stage by stage.

The scale benchmark reports each process's peak over a whole run; this one says which stage
sets it. Each of the first ``--days`` of ``--landing-cache`` (a folder of days made by
``scale_bench.py``, linked into a fresh landing zone under ``--work``) goes through the raw,
findings and anonymized stages in this process as a serial step runs them (``run_stage``;
``patterns`` mode, the scale benchmark's ticket dataset). ``VmHWM`` is reset before each
stage (``clear_refs`` 5), so each row's peak is that stage's own; ``VmRSS`` after it shows what
the stage left behind, "Arrow after" what Arrow's pool still had allocated, and the JSON lines
on stderr also the number of objects the garbage collector tracks (a leak of Python objects
would show there).

Usage: ``python benchmarks/stage_memory.py --landing-cache
/work/landing-cache/200mb-100mb-per-day [--days 2] [--work /tmp/stage-memory]``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from check_child_memory import SECRET, _reset_peak, _spec, _status
from scale_bench import link_days


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing-cache", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/stage-memory"))
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("VAULT_MASTER_SECRET", SECRET)
    shutil.rmtree(args.work, ignore_errors=True)

    import pyarrow as pa

    from vault_core.pii import PiiEngine
    from vault_core.settings import VaultSettings
    from vault_core.stages.parallel import PartitionTask, Stage, run_stage
    from vault_core.vault import Vault

    keys = sorted(p.name for p in args.landing_cache.iterdir() if p.is_dir())[: args.days]
    link_days(args.landing_cache, args.work / "landing", keys)
    spec = _spec(args.work / "landing")
    settings = VaultSettings(home=str(args.work / "home"))
    vault = Vault(settings)
    engine = PiiEngine(spec.pii)
    rows: list[dict[str, Any]] = [
        {"stage": "start", **_status(os.getpid()), "arrow": 0.0, "cpu_s": 0.0}
    ]

    def stage(name: str, work: Callable[[], Any]) -> None:
        gc.collect()
        _reset_peak(os.getpid())
        started = time.process_time()
        work()
        rows.append({"stage": name, **_status(os.getpid()),
                     "arrow": pa.total_allocated_bytes() / 1e6,
                     "objects": len(gc.get_objects()),
                     "cpu_s": round(time.process_time() - started, 2)})  # fmt: skip
        print(rows[-1], file=sys.stderr)

    names: tuple[Stage, ...] = ("raw", "pii_findings", "anonymized")
    for key in keys:
        for name in names:
            task = PartitionTask(name, settings, spec, key, engine=spec.pii)
            stage(f"{name}/{key}", functools.partial(run_stage, task, vault, engine))
    print(f"{'stage':<26} {'VmHWM MB':>9} {'VmRSS after':>12} {'Arrow after':>12} {'CPU s':>7}")
    for row in rows:
        print(f"{row['stage']:<26} {row['VmHWM']:>9.0f} {row['VmRSS']:>12.0f} "
              f"{row['arrow']:>12.0f} {row['cpu_s']:>7}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
