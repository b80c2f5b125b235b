"""The raw stage alone on one day of the scale benchmark's tickets (``make bench-raw``).

Usage::

    python benchmarks/raw_bench.py [--mb 100] [--repo PATH] [--out DIR] [--keys DIR]

Generates one day of synthetic ticket JSONL (as ``scale_bench.py`` does: 25 MB files, malformed
and duplicate rows planted) unless ``DIR/landing`` holds it already, then times
``vault_core.stages.ingest_raw`` on a fresh vault home in this process: CPU seconds, MB/s and peak
RSS. ``--repo`` imports ``vault_core`` from another checkout (an older commit), so two versions
run on the same data; ``--keys`` copies a keyring folder into the home (the first run leaves
``DIR/keys``), so both give comparable record ids. Record ids with their sealed object (address,
row) and quarantine rows (reason, detail, place, raw address) are written to
``DIR/<label>-ids.parquet`` and ``DIR/<label>-quarantine.parquet`` for comparison (same
addresses: the same sealed plaintext); :func:`same` compares two labels.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

SECRET = "raw-bench master secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--repo", default=None, help="checkout to import vault_core from")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "vault-raw-bench"))
    parser.add_argument("--label", default="run")
    parser.add_argument("--compare", nargs=2, metavar="LABEL", help="compare two earlier runs")
    args = parser.parse_args()
    out = Path(args.out)
    if args.compare:
        print("identical" if same(out, *args.compare) else "DIFFERENT")
        return
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    if args.repo:
        sys.path.insert(0, args.repo)
    import pyarrow.parquet as pq
    import scale_bench

    from vault_core.dataset import DatasetSpec
    from vault_core.settings import VaultSettings
    from vault_core.stages import ingest_raw
    from vault_core.vault import Vault

    landing = out / "landing"
    if not landing.exists():
        scale_bench.generate(landing, args.mb, args.mb)
    home = out / f"home-{args.label}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    if (out / "keys").exists():  # the same record key for every run
        shutil.copytree(out / "keys", home / "keys")
    spec = DatasetSpec(
        name="tickets",
        source=f"{landing}/{{date}}/*.jsonl",
        format="jsonl",
        text_columns=["subject", "body"],
        passthrough_columns=["ticket_id", "created_at", "channel", "priority"],
        required_columns=["ticket_id", "body"],
        partitioning="daily",
        partition_start=scale_bench.FIRST_DAY.isoformat(),
    )
    vault = Vault(VaultSettings(home=str(home)), master_secret=SECRET)
    vault.record_key  # noqa: B018 (keys first: their scrypt is not the stage's work)
    if not (out / "keys").exists():
        shutil.copytree(home / "keys", out / "keys")
    cpu, wall = time.process_time(), time.perf_counter()
    result = ingest_raw(vault, spec, scale_bench.day_key(0))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    mb = sum(os.path.getsize(url) for url in result.sources) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    manifest = vault.read_table(spec.name, "raw_manifest")
    # The object addresses (keyed digests of the sealed plaintext, the same keyring) prove the
    # sealed batches identical too; the quarantine rows' raw_address does so for rejects.
    ids = manifest.select(
        ["record_id", "source_url", "source_line", "object_address", "object_row"]
    ).sort_by("record_id")
    quarantine = vault.read_table(spec.name, "quarantine").sort_by(
        [("source_url", "ascending"), ("source_line", "ascending")]
    )
    pq.write_table(ids, out / f"{args.label}-ids.parquet")
    pq.write_table(quarantine, out / f"{args.label}-quarantine.parquet")
    shutil.rmtree(home)
    print(json.dumps({
        "label": args.label, "mb": round(mb, 1), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
        "mb_per_cpu_s": round(mb / cpu, 2), "peak_rss_mb": round(peak),
        "records": result.records, "quarantined": result.quarantined, "reasons": result.reasons,
    }))  # fmt: skip


def same(out: Path, a: str, b: str) -> bool:
    """Whether two runs gave the same record ids and origins and the same quarantine rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read(label: str, kind: str) -> pa.Table:
        return pq.read_table(out / f"{label}-{kind}.parquet")

    return all(read(a, kind).equals(read(b, kind)) for kind in ("ids", "quarantine"))


if __name__ == "__main__":
    main()
