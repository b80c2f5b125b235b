"""Erasing one subject from a partitioned dataset, beside a full rewrite of that dataset.

Builds a daily-partitioned dataset of ``--records`` ticket records over ``--partitions`` days
(patterns mode), the subject mentioned in ``--holding`` of them; the build of every stage over
every partition is the full rewrite measured. Then erases the subject and prints both times
(wall and CPU of this process) and what the erasure touched. Erasure work should follow the
partitions that hold the subject, not the dataset's size.

    make bench-erase                       # 200,000 records, 20 days, subject in 3
    ERASE_ARGS="--records 1000000" make bench-erase
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from vault_core import stages
from vault_core.dataset import DatasetSpec
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.settings import VaultSettings
from vault_core.vault import Vault

SUBJECT = "erin.subject@example.net"


def _land(root: Path, days: list[str], per_day: int, holding: int) -> None:
    for n, day in enumerate(days):
        folder = root / day
        folder.mkdir(parents=True)
        with (folder / "t.jsonl").open("w") as out:
            for i in range(per_day):
                body = f"ticket {i}: parcel {i * 7} late, contact user{i}@shop.example"
                if n < holding and i == per_day // 2:
                    body = f"ticket {i}: please write to {SUBJECT} about the refund"
                out.write(json.dumps({"id": f"tk{n}x{i}", "body": body}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--holding", type=int, default=3, help="partitions holding the subject")
    args = parser.parse_args()
    start = date(2026, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(args.partitions)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _land(root / "landing", days, args.records // args.partitions, args.holding)
        spec = DatasetSpec(
            name="tickets",
            source=f"{root}/landing/{{date}}/*.jsonl",
            format="jsonl",
            text_columns=["body"],
            passthrough_columns=["id"],
            pii=PiiEngineConfig(mode="patterns"),
            partitioning="daily",
            partition_start=days[0],
        )
        vault = Vault(VaultSettings(home=str(root / "home")), master_secret="bench-secret-" * 3)
        engine = PiiEngine(PiiEngineConfig(mode="patterns"))
        wall, cpu = time.perf_counter(), time.process_time()
        for day in days:
            stages.ingest_raw(vault, spec, day)
            stages.find_pii(vault, spec, engine, day)
            stages.anonymize(vault, spec, engine, day)
        stages.register(vault, spec, upstream={})
        full = (time.perf_counter() - wall, time.process_time() - cpu)

        wall, cpu = time.perf_counter(), time.process_time()
        receipt = vault.erase([SUBJECT], reason="bench request", dataset="tickets")
        erase = (time.perf_counter() - wall, time.process_time() - cpu)
        (done,) = receipt.datasets
        verification = receipt.verification
        assert verification is not None
        print(
            f"records={args.records} partitions={args.partitions} holding={args.holding}\n"
            f"full rewrite (all stages, all partitions): {full[0]:.1f} s wall, "
            f"{full[1]:.1f} s CPU\n"
            f"erase one subject: {erase[0]:.2f} s wall, {erase[1]:.2f} s CPU "
            f"({100 * erase[0] / full[0]:.1f}% of the rewrite)\n"
            f"touched: {len(done.partitions)} partitions, {done.records} records, "
            f"{done.objects_rewritten} objects re-sealed, {done.objects_deleted} deleted\n"
            f"verification: index hits {verification.index_hits}, anonymized matches "
            f"{verification.anonymized_matches} over {verification.rows_scanned} rows"
        )


if __name__ == "__main__":
    main()
