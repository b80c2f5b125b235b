"""Ingest speed and peak memory on generated JSONL and CSV files (``make bench-ingest``).

Usage::

    python benchmarks/ingest_bench.py [--mb 50] [--batch-rows 20000]

Writes one ticket-like JSONL file and one customer-like CSV file of about ``--mb`` MB each to a
temporary folder (synthetic values, generated here so the benchmark needs no Faker), then times
``ingest`` (whole result) and ``ingest_stream`` (batches, consumed and dropped) on each and
prints rows per second and the tracemalloc peak of the stream.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from vault_core.ingest import ingest, ingest_stream

KEY = bytes(range(32))
_WORDS = ("the", "a", "ticket", "order", "refund", "late", "broken", "login", "card", "help")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def write_jsonl(path: Path, size: int, seed: int = 7) -> int:
    """Ticket-like JSONL of about ``size`` bytes; returns the number of lines."""
    rng = random.Random(seed)
    lines = 0
    with path.open("w", encoding="utf-8") as handle:
        while handle.tell() < size:
            row = {
                "ticket_id": f"T-{lines:08d}",
                "created_at": f"2025-01-{1 + lines % 28:02d}T10:{lines % 60:02d}:00Z",
                "channel": rng.choice(["email", "chat", "phone"]),
                "subject": _sentence(rng, 5),
                "body": _sentence(rng, 30) + f" mail jane{lines}@example.com",
                "priority": rng.randint(1, 4),
            }
            handle.write(json.dumps(row) + "\n")
            lines += 1
    return lines


def write_csv(path: Path, size: int, seed: int = 11) -> int:
    """Customer-like CSV of about ``size`` bytes; returns the number of data rows."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("customer_id,full_name,email,phone,city,notes\n")
        while handle.tell() < size:
            notes = _sentence(rng, 12)
            handle.write(
                f"C{rows:08d},Jane Doe {rows},jane{rows}@example.com,+1555{rows:07d},"
                f'Springfield,"{notes}, more"\n'
            )
            rows += 1
    return rows


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    rows = run()
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--batch-rows", type=int, default=20_000)
    args = parser.parse_args()
    size = int(args.mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        files = {"jsonl": Path(folder) / "t.jsonl", "csv": Path(folder) / "c.csv"}
        write_jsonl(files["jsonl"], size)
        write_csv(files["csv"], size)
        for fmt, path in files.items():
            mb = path.stat().st_size / 1e6

            def whole(path: Path = path, fmt: str = fmt) -> int:
                return ingest(str(path), fmt, record_key=KEY).rows_in

            seconds, rows = _timed(whole)
            print(
                f"{fmt:5} ingest        {mb:6.1f} MB {rows:8d} rows {seconds:6.2f} s "
                f"{rows / seconds:9.0f} rows/s"
            )

            def streamed(path: Path = path, fmt: str = fmt) -> int:
                stream = ingest_stream([str(path)], fmt, record_key=KEY, batch_rows=args.batch_rows)
                for _batch in stream:
                    pass
                return int(stream.rows_in)

            seconds, rows = _timed(streamed)
            tracemalloc.start()
            streamed()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{fmt:5} ingest_stream {mb:6.1f} MB {rows:8d} rows {seconds:6.2f} s "
                f"{rows / seconds:9.0f} rows/s  peak {peak / 1e6:6.1f} MB (tracemalloc)"
            )


if __name__ == "__main__":
    main()
