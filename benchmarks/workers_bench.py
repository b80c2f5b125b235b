"""Partitions of one backfilled range on one process against two worker processes
(make bench-workers).

Synthetic ticket JSONL (the scale benchmark's generator) lands as two days; the
``tickets_partitions`` job builds both days in one run (a single-run backfill) on a fresh vault
home and a fresh SQLite instance, in a fresh Python process per variant:

- one: the step builds the days one after the other in its own process (the default);
- two workers: ``PartitionWorkersResource(processes=2)``, the days on two spawned processes.

Printed per mode (``patterns``, ``full``): wall seconds of the run, step seconds, and the
speed-up of two workers over one, beside the target (issue 13: ``full``, two partitions in
parallel at least 1.7x one). Not asserted: timings are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scale_bench import MB, day_key, generate, landing_bytes

SECRET = "workers-bench master secret"
TARGET_FULL = 1.7


def run_variant(landing: str, home: str, dagster_home: str, mode: str, workers: int) -> None:
    """One run of the range in this process; prints a JSON line with its timings."""
    import dagster as dg

    from vault_core.dataset import DatasetSpec
    from vault_core.pii import PRESETS, PiiEngineConfig
    from vault_core.settings import VaultSettings
    from vault_pipelines.definitions import build_definitions, partitions_job_name
    from vault_pipelines.resources import PartitionWorkersResource

    spec = DatasetSpec(
        name="tickets",
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["subject", "body"],
        passthrough_columns=["ticket_id", "created_at", "channel", "priority"],
        partitioning="daily",
        partition_start=day_key(0),
        pii=PiiEngineConfig(mode=mode),  # type: ignore[arg-type]
        policy=PRESETS["default"],
    )
    resource = PartitionWorkersResource(processes=workers)
    job = build_definitions([spec], VaultSettings(home=home), workers=resource).resolve_job_def(
        partitions_job_name(spec)
    )
    days = sorted(p.name for p in Path(landing).iterdir())
    with dg.DagsterInstance.from_config(dagster_home) as instance:
        start = time.perf_counter()
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": days[0],
                "dagster/asset_partition_range_end": days[-1],
            },
        )
        wall = time.perf_counter() - start
        steps: dict[str, float] = {}
        started: dict[str, float] = {}
        for entry in instance.all_logs(result.run_id):
            event = entry.dagster_event
            if event is None or entry.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                started[entry.step_key] = entry.timestamp
            elif event.event_type_value == "STEP_SUCCESS":
                steps[entry.step_key] = entry.timestamp - started[entry.step_key]
    print(json.dumps({"success": result.success, "wall": wall, "steps": steps}))


def _variant(landing: Path, mode: str, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as scratch:
        home, dagster_home = Path(scratch) / "vault", Path(scratch) / "dagster"
        dagster_home.mkdir()
        (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {**os.environ, "VAULT_MASTER_SECRET": SECRET, "DAGSTER_HOME": str(dagster_home)}
        done = subprocess.run(
            [sys.executable, __file__, "--variant", str(landing), str(home), str(dagster_home),
             mode, str(workers)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if not result["success"]:
            raise RuntimeError(f"{mode} with {workers} worker(s) failed:\n{done.stderr[-3000:]}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day-mb", type=float, default=20.0, help="landing MB a day, patterns")
    parser.add_argument("--full-day-mb", type=float, default=1.5, help="landing MB a day, full")
    parser.add_argument("--variant", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        landing, home, dagster_home, mode, workers = args.variant
        run_variant(landing, home, dagster_home, mode, int(workers))
        return
    print(f"{os.cpu_count()} cores; two days, one run over both")
    for mode, day_mb in (("patterns", args.day_mb), ("full", args.full_day_mb)):
        with tempfile.TemporaryDirectory(prefix="workers-landing-") as folder:
            landing = Path(folder)
            generate(landing, 2 * day_mb, day_mb)
            size = landing_bytes(landing) / MB
            one, two = _variant(landing, mode, 1), _variant(landing, mode, 2)
            speedup = one["wall"] / two["wall"]
            steps_one, steps_two = sum(one["steps"].values()), sum(two["steps"].values())
            verdict = ""
            if mode == "full":
                verdict = (
                    f"  target >= {TARGET_FULL}x: {'PASS' if speedup >= TARGET_FULL else 'FAIL'}"
                )
            print(
                f"{mode:<9} {size:6.1f} MB  one: {one['wall']:6.1f} s wall ({steps_one:6.1f} s "
                f"steps)  two workers: {two['wall']:6.1f} s wall ({steps_two:6.1f} s steps)  "
                f"speed-up {speedup:.2f}x{verdict}"
            )


if __name__ == "__main__":
    main()
