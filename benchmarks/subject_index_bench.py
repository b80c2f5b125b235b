"""Subject index rows alone on one day of bench-scale tickets (make bench-subject-index).

One day of synthetic ticket JSONL (``scale_bench.generate``, ``--day-mb``, default 100) goes
through ``ingest_raw`` and ``find_pii`` once (``patterns`` mode) while the inputs the stage hands
to ``subject_index.index_rows`` (the batch's texts and findings) are captured to Parquet. Then
``index_rows`` runs over every captured batch, once per code tree, each in its own process, and
its CPU seconds (``time.process_time``) are printed. With ``--against REF``, the ``index_rows`` of
git ``REF`` (a temporary worktree) runs in the same session, alternating with the current tree,
and the two outputs (every batch's rows, in order) must be identical.

The captured texts hold synthetic plaintext: they stay in the work folder, removed at the end
unless ``--dir`` is given.
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

SECRET = "subject-index-bench master secret"
KEY = bytes(range(32))
PARTITION = "2026-01-01"


def prepare(root: Path, day_mb: float) -> tuple[Path, float]:
    """The captured (texts, findings) batches of one day's ``find_pii``."""
    sys.path.insert(0, str(HERE))
    import pyarrow.parquet as pq
    from scale_bench import MB, _spec, generate, landing_bytes

    from vault_core import stages, subject_index
    from vault_core.pii import PiiEngine, PiiEngineConfig
    from vault_core.settings import VaultSettings
    from vault_core.vault import Vault

    landing, home, batches = root / "landing", root / "home", root / "batches"
    if (batches / "done").exists():  # a kept --dir: reuse its day
        return batches, landing_bytes(landing) / MB
    shutil.rmtree(batches, ignore_errors=True)
    batches.mkdir(parents=True)
    t = time.perf_counter()
    keys = generate(landing, day_mb, day_mb)
    mb = landing_bytes(landing) / MB
    vault = Vault(VaultSettings(home=str(home)))
    spec = _spec(str(landing), "patterns")
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    original = subject_index.index_rows
    captured = 0

    def capture(texts: Any, findings: Any, key: bytes, partition: str) -> Any:
        nonlocal captured
        pq.write_table(texts, batches / f"texts-{captured:04d}.parquet")
        pq.write_table(findings, batches / f"findings-{captured:04d}.parquet")
        captured += 1
        return original(texts, findings, key, partition)

    subject_index.index_rows = capture  # type: ignore[assignment]
    try:
        stages.ingest_raw(vault, spec, keys[0])
        stages.find_pii(vault, spec, engine, keys[0])
    finally:
        subject_index.index_rows = original  # type: ignore[assignment]
    shutil.rmtree(home, ignore_errors=True)
    (batches / "done").touch()
    print(f"{mb:.0f} MB of landing (1 day) ingested and scanned in "
          f"{time.perf_counter() - t:.0f} s: {captured} batches captured")  # fmt: skip
    return batches, mb


def worker(config: dict[str, Any]) -> None:
    """Run ``index_rows`` of the tree on PYTHONPATH over the captured batches; print its times."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vault_core import subject_index

    folder = Path(config["batches"])
    inputs = [
        (
            pq.read_table(texts),
            pq.read_table(texts.with_name(texts.name.replace("texts", "findings"))),
        )
        for texts in sorted(folder.glob("texts-*.parquet"))
    ]
    findings = sum(f.num_rows for _, f in inputs)
    subject_index.index_rows(inputs[0][0].slice(0, 100), inputs[0][1].slice(0, 100), KEY, "w")
    cpu, wall = time.process_time(), time.perf_counter()
    out = [subject_index.index_rows(t, f, KEY, PARTITION) for t, f in inputs]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows = sum(t.num_rows for t in out)
    if config.get("out"):
        pq.write_table(pa.concat_tables(out), config["out"])
    print(json.dumps({"cpu": cpu, "wall": wall, "rows": rows, "findings": findings}))


def run(tree: Path, batches: Path, out: Path | None) -> dict[str, Any]:
    config = {"batches": str(batches), "out": str(out) if out else None}
    return run_worker("subject_index_bench.py", tree, config)


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
    root = Path(args.dir or tempfile.mkdtemp(prefix="subject-index-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    batches, mb = prepare(root, args.day_mb)
    with code_trees(root, args.against) as trees:
        times = alternate(trees, args.repeat, root, lambda tree, out: run(tree, batches, out))
    first = times[CURRENT][0]
    print(f"index_rows on {mb:.0f} MB of landing: {first['findings']} findings -> "
          f"{first['rows']} index rows")  # fmt: skip
    print_times(times, mb)
    if args.against:
        same = same_output(root, args.against)
        print(f"  speed-up (cpu): {cpu_speedup(times, args.against):.2f}x; identical rows: {same}")
        if not same:
            return 1
    if not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
