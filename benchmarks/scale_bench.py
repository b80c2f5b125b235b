"""The whole pipeline at scale on a daily-partitioned dataset (make bench-scale).

For each landing size: synthetic ticket JSONL is generated in a streaming way (fixed-size files,
``landing/<date>/tickets-NNN.jsonl``, about ``--day-mb`` per day), then materialized on a fresh
Dagster instance (SQLite, temp DAGSTER_HOME) and a fresh vault home, each time in subprocesses
whose peak RSS is read with ``os.wait4``:

- serial: one process, one run of ``<ds>_partitions`` per day (as a daily schedule would);
- parallel: two processes side by side, each running half the days (raw, pii_findings,
  anonymized), then one run of ``registered``;
- incremental: on the serial home, a new day holding 1% more rows, run alone (what a schedule
  does) and as a single-run range over every day (unchanged days must skip their work).

Stage seconds come from the event log (STEP_START to STEP_SUCCESS), work counts from the
stages' metadata. Beside them: the PII engine's own ``detect_table`` throughput on a sample of
the same texts in the same run, so the pipeline's overhead shows as a ratio. Targets are checked
and printed as PASS/FAIL (not asserted). Absolute figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any

MB = 1_000_000
DATASET = "tickets"
STAGES = ("raw", "pii_findings", "anonymized", "registered")
PARTITIONED = STAGES[:3]
CHECKS = "checks"
"""Where the asset checks' steps are counted (in "all steps", not in a stage)."""
FIRST_DAY = date(2026, 1, 1)
FILE_MB = 25
SECRET = "scale-bench master secret"


# -- landing data --------------------------------------------------------------------------------


def _write_file(task: tuple[str, str, int, int]) -> int:
    """Write one landing file of about ``nbytes`` in chunks (memory: one chunk)."""
    from vault_demo.synthetic import _build_pools, _ticket_lines

    path, tag, nbytes, seed = task
    pools = _pools_cache.get(seed) or _pools_cache.setdefault(seed, _build_pools(seed))
    written, chunk = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < nbytes:
            # Each chunk plants its own malformed and duplicate rows (about 0.5%): quarantine runs.
            lines, _ = _ticket_lines(Random(f"{seed}:{tag}:{chunk}"), pools, 4000)
            prefix = f'"TCK-{tag}-{chunk:04d}-'
            text = "".join(line.replace('"TCK-', prefix, 1) + "\n" for line in lines)
            last = written + len(text) > nbytes
            if last:
                text = text[: text.rfind("\n", 0, max(nbytes - written, 1)) + 1]
            out.write(text)
            written += len(text.encode("utf-8"))
            chunk += 1
            if last:
                break
    return written


_pools_cache: dict[int, Any] = {}


def day_key(index: int) -> str:
    return (FIRST_DAY + timedelta(days=index)).isoformat()


def generate(landing: Path, total_mb: float, day_mb: float, first: int = 0) -> list[str]:
    """Days ``first``.. holding ``total_mb`` of ticket JSONL; returns their partition keys."""
    days = max(1, math.ceil(total_mb / day_mb))
    per_day = total_mb * MB / days
    tasks = []
    for d in range(first, first + days):
        folder = landing / day_key(d)
        folder.mkdir(parents=True, exist_ok=True)
        files = max(1, math.ceil(per_day / (FILE_MB * MB)))
        for f in range(files):
            path = str(folder / f"tickets-{f:03d}.jsonl")
            tasks.append((path, f"{d:03d}{f:03d}", int(per_day / files), 20261206))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_write_file, tasks, chunksize=1)
    return [day_key(d) for d in range(first, first + days)]


def cached_landing(cache: Path, landing: Path, total_mb: float, day_mb: float) -> list[str]:
    """The same days as ``generate``, made once under ``cache`` and hard-linked into ``landing``.

    Generation is deterministic (seeded by day and file), so a cached copy is the same data; 10 GB
    takes about 20-40 minutes to generate on this machine. The days are linked, not shared: the
    incremental part writes its new day into ``landing`` only. Falls back to copying when the
    cache is on another file system.
    """
    source = cache / f"{total_mb:g}mb-{day_mb:g}mb-per-day"
    if not (source / ".complete").exists():
        shutil.rmtree(source, ignore_errors=True)
        generate(source, total_mb, day_mb)
        (source / ".complete").touch()
    keys = sorted(p.name for p in source.iterdir() if p.is_dir())
    link_days(source, landing, keys)
    return keys


def link_days(source: Path, landing: Path, keys: list[str]) -> None:
    """Each day folder ``keys`` of ``source`` in ``landing``: its files hard-linked (copied
    across file systems); files already there are kept."""
    for key in keys:
        (landing / key).mkdir(parents=True, exist_ok=True)
        for file in (source / key).iterdir():
            target = landing / key / file.name
            if target.exists():
                continue
            try:
                os.link(file, target)
            except OSError:
                shutil.copy2(file, target)


def landing_bytes(landing: Path, keys: list[str] | None = None) -> int:
    folders = [landing / k for k in keys] if keys else list(landing.iterdir())
    return sum(f.stat().st_size for folder in folders for f in folder.glob("*.jsonl"))


# -- the engine alone ----------------------------------------------------------------------------


def engine_alone(landing: Path, sample_mb: float, mode: str) -> dict[str, float]:
    """``detect_table`` over the first ``sample_mb`` of landing rows (the columns the pipeline
    scans), median of three timed calls after a warm-up; MB are landing bytes."""
    from vault_core.pii import PiiEngine, PiiEngineConfig

    table, columns = landing_sample(landing, sample_mb)
    nbytes = table.schema.metadata[b"landing_bytes"]
    engine = PiiEngine(PiiEngineConfig(mode=mode))  # type: ignore[arg-type]
    engine.detect_table(table.slice(0, 2000), text_columns=columns)
    times, cpu = [], []
    for _ in range(3 if mode == "patterns" else 1):
        t, c = time.perf_counter(), time.process_time()
        engine.detect_table(table, text_columns=columns)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    seconds = statistics.median(times)
    mb = int(nbytes) / MB
    return {"mb": mb, "seconds": seconds, "mbps": mb / seconds, "cpu_mbps": mb / min(cpu)}


def _engine_again(
    before: dict[str, float], landing: Path, sample_mb: float, mode: str
) -> dict[str, float]:
    """The engine alone measured again after the runs, printed, and the mean of both, which
    the ratios use: this machine's speed drifts by tens of percent over minutes (the same
    work's CPU seconds), so one figure from before the runs could flatter or wrong them."""
    after = engine_alone(landing, sample_mb, mode)
    mean = {key: (before[key] + after[key]) / 2 for key in before}
    print(f"  PII engine alone again after the runs: {after['mbps']:.2f} MB/s "
          f"(before them {before['mbps']:.2f}); the ratios use the mean, "
          f"{mean['mbps']:.2f} MB/s")  # fmt: skip
    return mean


def landing_sample(landing: Path, sample_mb: float) -> tuple[Any, list[str]]:
    """The first ``sample_mb`` of landing rows as a table of ``record_id`` and the columns the
    pipeline scans (returned too); its schema's metadata holds the landing bytes read."""
    import pyarrow as pa

    rows: dict[str, list[str | None]] = {"subject": [], "body": []}
    nbytes = 0
    for path in sorted(landing.glob("*/*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if nbytes >= sample_mb * MB:
                    break
                nbytes += len(line.encode("utf-8"))
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    for column in rows:
                        rows[column].append(record.get(column))
        if nbytes >= sample_mb * MB:
            break
    table = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    table = table.add_column(0, "record_id", pa.array([str(i) for i in range(table.num_rows)]))
    return table.replace_schema_metadata({"landing_bytes": str(nbytes)}), list(rows)


# -- the worker: runs in its own process -----------------------------------------------------------


def _spec(landing: str, mode: str) -> Any:
    from vault_core.dataset import DatasetSpec
    from vault_core.pii import PiiEngineConfig

    return DatasetSpec(
        name=DATASET,
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["subject", "body"],
        passthrough_columns=["ticket_id", "created_at", "channel", "priority"],
        required_columns=["ticket_id", "body"],
        partitioning="daily",
        partition_start=FIRST_DAY.isoformat(),
        pii=PiiEngineConfig(mode=mode),  # type: ignore[arg-type]
    )


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    return 0.0


def _run_summary(instance: Any, result: Any) -> dict[str, Any]:
    import dagster as dg

    starts: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(
        result.run_id,
        of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS},
    ):
        stage = entry.step_key.rsplit("__", 1)[-1]
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            starts[stage] = entry.timestamp
        else:
            seconds[stage] = seconds.get(stage, 0.0) + entry.timestamp - starts[stage]
    metadata = {
        e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()
                               if isinstance(v.value, (int, float, bool, str))}
        for e in result.get_asset_materialization_events()
    }  # fmt: skip
    return {"seconds": seconds, "metadata": metadata}


def worker(config: dict[str, Any]) -> int:
    """Run ``config['keys']`` (one run each, or one range run) and print a JSON summary."""
    import dagster as dg

    from vault_core.settings import VaultSettings
    from vault_pipelines.definitions import build_definitions, partitions_job_name
    from vault_pipelines.factory import asset_key

    spec = _spec(config["landing"], config["mode"])
    defs = build_definitions([spec], VaultSettings(home=config["home"]))
    job = defs.resolve_job_def(partitions_job_name(spec))
    selection = [asset_key(spec, s) for s in config["stages"]]
    runs = []
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        if config.get("range"):
            keys = config["keys"]
            tags = {
                "dagster/asset_partition_range_start": keys[0],
                "dagster/asset_partition_range_end": keys[-1],
            }
            result = job.execute_in_process(instance=instance, tags=tags, asset_selection=selection)
            runs.append(_run_summary(instance, result))
        else:
            for key in config["keys"]:
                result = job.execute_in_process(
                    instance=instance, partition_key=key, asset_selection=selection
                )
                runs.append({"key": key, **_run_summary(instance, result)})
    print(json.dumps({"runs": runs, "wall": time.perf_counter() - started,
                      "vm_hwm_mb": _vm_hwm_mb()}))  # fmt: skip
    return 0


def spawn(config: dict[str, Any], dagster_home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "VAULT_MASTER_SECRET": SECRET}
    # Output to files, not pipes: nobody reads a pipe before wait4, and Dagster's log lines
    # would fill it and block the worker.
    fd, log = tempfile.mkstemp(dir=dagster_home, suffix=".log")
    with os.fdopen(fd, "w") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    _logs[process.pid] = log
    return process


_logs: dict[int, str] = {}


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Wait for a worker; its summary plus its peak RSS as the kernel saw it (``wait4``)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    out = err = Path(_logs.pop(process.pid)).read_text()
    if process.returncode != 0:
        raise RuntimeError(f"worker failed ({process.returncode}):\n{err[-4000:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    summary["maxrss_mb"] = usage.ru_maxrss * 1024 / MB  # kilobytes on Linux
    summary["cpu_s"] = usage.ru_utime + usage.ru_stime
    return summary


def fresh_instance(root: Path, name: str) -> tuple[Path, Path]:
    dagster_home, home = root / f"dagster-{name}", root / f"vault-{name}"
    dagster_home.mkdir()
    # Both processes of the parallel case share the instance: SQLite, its default storage.
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # Create its SQLite schema now: two workers creating it at once leave two alembic heads.
    import dagster as dg

    dg.DagsterInstance.from_config(str(dagster_home)).dispose()
    return dagster_home, home


# -- summaries ----------------------------------------------------------------------------------


def stage_totals(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per stage: step seconds summed over runs, and the work of runs that did not skip."""
    totals: dict[str, dict[str, float]] = {
        s: {"seconds": 0.0, "work": 0.0} for s in (*STAGES, CHECKS)
    }
    for run in runs:
        for stage, seconds in run["seconds"].items():
            # Blocking asset checks (the contract and declared suites) are steps of their own.
            totals[stage if stage in totals else CHECKS]["seconds"] += seconds
        for stage, meta in run["metadata"].items():
            if meta.get("skipped_unchanged") or stage not in STAGES:
                continue
            work = {"raw": "records", "pii_findings": "records_scanned"}.get(
                stage, "dagster/row_count"
            )
            totals[stage]["work"] += float(meta.get(work, 0))
    return totals


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_stages(title: str, mb: float, totals: dict[str, dict[str, float]], rss: str) -> None:
    print(f"  {title}: {rss}")
    print(f"    {'stage':<13}{'seconds':>9}{'MB/s':>9}{'records':>12}")
    for stage in (*STAGES, CHECKS):
        s = totals[stage]["seconds"]
        rate = mb / s if s else float("nan")
        # registered rewrites no records: its row count is the whole table's, for reference.
        count = int(totals[stage]["work"])
        work = f"({count})" if stage == "registered" else str(count)
        print(f"    {stage:<13}{s:9.1f}{rate:9.2f}{work:>12}")
    total = sum(t["seconds"] for t in totals.values())
    print(f"    {'all steps':<13}{total:9.1f}{mb / total:9.2f}")


def bench_size(
    root: Path,
    size_mb: float,
    day_mb: float,
    mode: str,
    serial_only: bool = False,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Generate ``size_mb`` (once, under ``cache`` when given), run serial, parallel and
    incremental (``serial_only``: the engine alone and the serial run only); print and return
    the figures."""
    landing = root / "landing"
    t = time.perf_counter()
    if cache is not None:
        keys = cached_landing(cache, landing, size_mb, day_mb)
    else:
        keys = generate(landing, size_mb, day_mb)
    mb = landing_bytes(landing) / MB
    print(f"\n== {mb:.0f} MB of landing, {len(keys)} days, mode {mode} "
          f"(generated in {time.perf_counter() - t:.0f} s) ==")  # fmt: skip
    sample_mb = 20 if mode == "patterns" else 1
    engine = engine_alone(landing, sample_mb, mode)
    print(f"  PII engine alone (detect_table, {engine['mb']:.1f} MB sample): "
          f"{engine['mbps']:.2f} MB/s, {engine['cpu_mbps']:.2f} MB per CPU-s")  # fmt: skip

    common = {"landing": str(landing), "mode": mode}
    # Serial: one process, one run per day.
    dagster_home, home = fresh_instance(root, "serial")
    t = time.perf_counter()
    serial = finish(spawn({**common, "home": str(home), "keys": keys, "stages": STAGES},
                          dagster_home))  # fmt: skip
    serial_wall = time.perf_counter() - t
    serial_totals = stage_totals(serial["runs"])
    print_stages(
        f"serial (1 process, {len(keys)} runs, wall {serial_wall:.0f} s, "
        f"{serial['cpu_s'] / serial_wall:.2f} cores busy)", mb, serial_totals,
        # wait4 reports the largest of the worker and the children it waited for (the residual
        # check's engine process); VmHWM is the worker's own.
        f"peak RSS {serial['maxrss_mb']:.0f} MB (worker itself {serial['vm_hwm_mb']:.0f} MB)",
    )  # fmt: skip

    if serial_only:
        engine = _engine_again(engine, landing, sample_mb, mode)
        ratio = mb / serial_wall / engine["mbps"]
        print(
            f"  serial {mb / serial_wall:.2f} MB/s = {ratio:.1%} of the engine alone by wall; "
            f"worker CPU {serial['cpu_s']:.1f} s = {mb / serial['cpu_s']:.2f} MB per CPU-s"
        )
        return {"mb": mb, "mode": mode, "serial_only": True}

    # Parallel: two processes, each half the days, then one registration.
    pdagster, phome = fresh_instance(root, "parallel")
    halves = [keys[0::2], keys[1::2]] if len(keys) > 1 else [keys]
    t = time.perf_counter()
    procs = [
        spawn({**common, "home": str(phome), "keys": half, "stages": PARTITIONED}, pdagster)
        for half in halves
    ]
    workers = [finish(p) for p in procs]
    build_wall = time.perf_counter() - t
    reg = finish(spawn({**common, "home": str(phome), "keys": keys[-1:],
                        "stages": ["registered"]}, pdagster))  # fmt: skip
    parallel_wall = time.perf_counter() - t
    parallel_totals = stage_totals([r for w in [*workers, reg] for r in w["runs"]])
    serial_build = sum(serial_totals[s]["seconds"] for s in PARTITIONED)
    print_stages(
        f"parallel (2 processes; wall {parallel_wall:.0f} s, of which building "
        f"{build_wall:.0f} s, {sum(w['cpu_s'] for w in workers) / build_wall:.2f} cores busy; "
        "stage seconds summed over both)", mb, parallel_totals,
        "peak RSS " + ", ".join(f"{w['maxrss_mb']:.0f}" for w in workers)
        + f" MB (registration {reg['maxrss_mb']:.0f} MB)",
    )  # fmt: skip
    speedup = serial_wall / parallel_wall
    engine = _engine_again(engine, landing, sample_mb, mode)
    pipeline_mbps = mb / parallel_wall
    # The same without process start-up and per-run overhead: step time on the critical path.
    critical = max(sum(sum(r["seconds"].values()) for r in w["runs"]) for w in workers)
    critical += sum(reg["runs"][0]["seconds"].values())
    step_speedup = sum(t["seconds"] for t in serial_totals.values()) / critical

    # Incremental: 1% more rows as a new day, run alone, then every day as one range run.
    new_keys = generate(landing, mb * 0.01, day_mb, first=len(keys))
    added_mb = landing_bytes(landing, new_keys) / MB
    env_common = {**common, "home": str(home)}
    alone = finish(spawn({**env_common, "keys": new_keys, "stages": STAGES}, dagster_home))
    alone_totals = stage_totals(alone["runs"])
    every = finish(spawn({**env_common, "keys": keys + new_keys, "stages": STAGES,
                          "range": True}, dagster_home))  # fmt: skip
    every_seconds = sum(every["runs"][0]["seconds"].values())
    full_seconds = sum(t["seconds"] for t in serial_totals.values())
    print(f"  incremental: +{added_mb:.1f} MB ({added_mb / mb:.1%}) as day {new_keys[-1]}")
    print(f"    {'stage':<13}{'records':>10}{'% of full':>11}{'seconds':>9}{'% of full':>11}")
    work_pct = []
    for stage in STAGES:
        full, inc = serial_totals[stage], alone_totals[stage]
        w = inc["work"] / full["work"] if full["work"] else float("nan")
        if stage != "registered":
            work_pct.append(w)
        shown = f"{int(inc['work'])}" if stage != "registered" else f"({int(inc['work'])})"
        print(f"    {stage:<13}{shown:>10}{w:11.2%}{inc['seconds']:9.2f}"
              f"{inc['seconds'] / full['seconds']:11.2%}")  # fmt: skip
    alone_seconds = sum(t["seconds"] for t in alone_totals.values())
    print(f"    {'all steps':<13}{'':10}{'':11}{alone_seconds:9.2f}"
          f"{alone_seconds / full_seconds:11.2%}")  # fmt: skip
    print(f"    every day again as one range run (unchanged days skip): {every_seconds:.1f} s "
          f"= {every_seconds / full_seconds:.2%} of the full run's step time, "
          f"peak RSS {every['maxrss_mb']:.0f} MB")  # fmt: skip

    ratio = pipeline_mbps / engine["mbps"]
    print(
        f"  pipeline {pipeline_mbps:.2f} MB/s (landing MB / parallel wall) = {ratio:.1%} of "
        f"the engine alone; serial {mb / serial_wall:.2f} MB/s = "
        f"{mb / serial_wall / engine['mbps']:.1%}; 2 processes {speedup:.2f}x 1 by wall"
    )
    print(f"  by step time (no process start-up or run overhead): pipeline {mb / critical:.2f} "
          f"MB/s = {mb / critical / engine['mbps']:.1%} of the engine; 2 processes "
          f"{step_speedup:.2f}x 1 (partitioned stages {serial_build:.0f} s serial, "
          f"critical path {critical:.0f} s parallel)")  # fmt: skip
    peak = max([serial["maxrss_mb"], *(w["maxrss_mb"] for w in workers), reg["maxrss_mb"],
                alone["maxrss_mb"], every["maxrss_mb"]])  # fmt: skip
    return {
        "mb": mb,
        "mode": mode,
        "peak_rss_mb": peak,
        "work_pct": max(work_pct),
        "inc_time_pct": alone_seconds / full_seconds,
        "every_time_pct": every_seconds / full_seconds,
        "ratio": ratio,
        "speedup": speedup,
        "step_ratio": mb / critical / engine["mbps"],
        "step_speedup": step_speedup,
    }


def report(results: list[dict[str, Any]]) -> None:
    results = [r for r in results if not r.get("serial_only")]
    if not results:
        return
    print("\n== targets ==")
    patterns = [r for r in results if r["mode"] == "patterns"]
    for r in patterns:
        if 1500 <= r["mb"] <= 2500:
            print(f"  peak RSS {r['peak_rss_mb']:.0f} MB at {r['mb']:.0f} MB "
                  f"(target <= 1000 MB at 2 GB): {verdict(r['peak_rss_mb'] <= 1000)}")  # fmt: skip
    if len(patterns) > 1:
        peaks = [r["peak_rss_mb"] for r in patterns]
        flat = max(peaks) <= 1.25 * min(peaks)
        shown = ", ".join(f"{p:.0f}" for p in peaks)
        sizes = ", ".join(f"{r['mb']:.0f}" for r in patterns)
        print(f"  peak RSS flat as data grows ({shown} MB at {sizes} MB of landing; "
              f"within 25%): {verdict(flat)}")  # fmt: skip
    for r in results:
        label = f"{r['mb']:.0f} MB {r['mode']}"
        print(f"  {label}: 1% append does {r['work_pct']:.2%} of the records' work "
              f"(target <= 2%): {verdict(r['work_pct'] <= 0.02)}; "
              f"{r['inc_time_pct']:.2%} of the step time (target <= 5%): "
              f"{verdict(r['inc_time_pct'] <= 0.05)}; every day rerun: "
              f"{r['every_time_pct']:.2%} of the step time: "
              f"{verdict(r['every_time_pct'] <= 0.05)}")  # fmt: skip
        if r["mode"] == "patterns":
            print(f"  {label}: pipeline = {r['ratio']:.1%} of the engine's MB/s by wall, "
                  f"{r['step_ratio']:.1%} by step time (target >= 50%): "
                  f"{verdict(r['ratio'] >= 0.5)}")  # fmt: skip
        print(f"  {label}: 2 partitions in parallel {r['speedup']:.2f}x 1 by wall, "
              f"{r['step_speedup']:.2f}x by step time (target >= 1.7x in full mode): "
              f"{verdict(r['speedup'] >= 1.7)}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale-mb",
        type=float,
        nargs="+",
        default=[200.0, 2000.0],
        help="landing sizes in MB, patterns mode (e.g. 200 2000 10000)",
    )
    parser.add_argument("--day-mb", type=float, default=100.0, help="landing MB per day")
    parser.add_argument(
        "--full-mb",
        type=float,
        default=0.0,
        help="also one full-mode run of this size, as two days (0: none)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folders")
    parser.add_argument(
        "--serial-only",
        action="store_true",
        help="only the engine alone and the serial run (no parallel, no incremental, no verdicts)",
    )
    parser.add_argument(
        "--landing-cache",
        type=Path,
        help="generate each size's landing data once into this folder and reuse it "
        "(same file system as BENCH_DIR to link rather than copy)",
    )
    args = parser.parse_args()  # fmt: skip
    results = []
    runs = [(mb, args.day_mb, "patterns") for mb in args.scale_mb]
    if args.full_mb:
        runs.append((args.full_mb, args.full_mb / 2, "full"))
    for size_mb, day_mb, mode in runs:
        root = Path(tempfile.mkdtemp(prefix="vault-scale-", dir=os.environ.get("BENCH_DIR")))
        try:
            results.append(
                bench_size(root, size_mb, day_mb, mode, args.serial_only, args.landing_cache)
            )
        finally:
            if args.keep:
                print(f"  kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)
    report(results)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.exit(worker(json.loads(sys.argv[2])))
    sys.exit(main())
