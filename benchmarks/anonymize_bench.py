"""The anonymized stage alone on one day of the scale benchmark's tickets (make bench-anonymize).

One day of synthetic ticket JSONL (``scale_bench.generate``, ``--day-mb``, default 100) goes
through ``ingest_raw`` and ``find_pii`` once (``patterns`` mode); then ``stages.anonymize`` runs
on a fresh copy of that vault home, once per code tree, each in its own process, and its CPU
seconds (``time.process_time``) and wall seconds are printed. With ``--against REF``, the
anonymized stage of git ``REF`` (a temporary worktree) runs in the same session, alternating
with the current tree, and the two outputs are compared: the anonymized rows (sorted by record
id) and the report must be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _against import (
    CURRENT,
    HERE,
    alternate,
    code_trees,
    cpu_speedup,
    print_times,
    run_worker,
    same_output,
)

SECRET = "anonymize-bench master secret"
PARTITION = "2026-01-01"


def _spec(landing: str) -> Any:
    sys.path.insert(0, str(HERE))
    from scale_bench import _spec as scale_spec

    return scale_spec(landing, "patterns")


def prepare(root: Path, day_mb: float) -> tuple[Path, Path, float]:
    """Landing of one day and a vault home with its raw and pii_findings stages done."""
    sys.path.insert(0, str(HERE))
    from scale_bench import MB, generate, landing_bytes

    from vault_core import stages
    from vault_core.pii import PiiEngine, PiiEngineConfig
    from vault_core.settings import VaultSettings
    from vault_core.vault import Vault

    landing, home = root / "landing", root / "base"
    if (home / "done").exists():  # a kept --dir: reuse its day
        return landing, home, landing_bytes(landing) / MB
    t = time.perf_counter()
    keys = generate(landing, day_mb, day_mb)
    mb = landing_bytes(landing) / MB
    vault = Vault(VaultSettings(home=str(home)))
    spec = _spec(str(landing))
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    stages.ingest_raw(vault, spec, keys[0])
    stages.find_pii(vault, spec, engine, keys[0])
    (home / "done").touch()
    print(f"{mb:.0f} MB of landing (1 day) ingested and scanned in {time.perf_counter() - t:.0f} s")
    return landing, home, mb


def worker(config: dict[str, Any]) -> None:
    """Run the anonymized stage on ``config['home']``; print its times and write its output."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vault_core import stages
    from vault_core.pii import PiiEngine, PiiEngineConfig
    from vault_core.settings import VaultSettings
    from vault_core.vault import Vault

    vault = Vault(VaultSettings(home=config["home"]))
    spec = _spec(config["landing"])
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.detect_table(
        pa.table({"record_id": ["0"], "body": ["warm up a@b.org"]}), text_columns=["body"]
    )
    cpu, wall = time.process_time(), time.perf_counter()
    result = stages.anonymize(vault, spec, engine, PARTITION)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if config.get("out"):
        table = vault.read_table(spec.name, "anonymized")
        pq.write_table(table.sort_by("record_id"), config["out"])
    print(json.dumps({"cpu": cpu, "wall": wall, "rows": result.rows, "report": result.report,
                      "published": result.published}))  # fmt: skip


def run(tree: Path, landing: Path, base: Path, scratch: Path, out: Path | None) -> dict[str, Any]:
    home = scratch / "home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home)
    config = {"home": str(home), "landing": str(landing), "out": str(out) if out else None}
    result = run_worker("anonymize_bench.py", tree, config, {"VAULT_MASTER_SECRET": SECRET})
    shutil.rmtree(home, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--day-mb", type=float, default=100)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per code tree")
    parser.add_argument("--against", help="git ref to compare with (same run, same data)")
    parser.add_argument("--dir", help="work folder (kept); default a temporary one")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    os.environ["VAULT_MASTER_SECRET"] = SECRET
    root = Path(args.dir or tempfile.mkdtemp(prefix="anon-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    landing, base, mb = prepare(root, args.day_mb)
    with code_trees(root, args.against) as trees:
        times = alternate(
            trees, args.repeat, root, lambda tree, out: run(tree, landing, base, root, out)
        )
    print(f"anonymized stage on {mb:.0f} MB of landing, {times[CURRENT][0]['rows']} rows:")
    print_times(times, mb)
    if args.against:
        rows_same = same_output(root, args.against)
        report_same = times[args.against][0]["report"] == times[CURRENT][0]["report"]
        print(f"  speed-up (cpu): {cpu_speedup(times, args.against):.2f}x; identical rows: "
              f"{rows_same}, identical report: {report_same}")  # fmt: skip
        if not (rows_same and report_same):
            return 1
    if not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
