"""Events benchmark (`make bench-events`): events derived per second from an instance holding
10,000 materializations, beside Dagster's own ``fetch_materializations`` over the same keys in the
same run; then webhook delivery latency (attempt start to recorded answer) to a local receiver.

A real SQLite-backed DagsterInstance in a temporary folder receives 25 datasets x 400 runless
``<ds>/raw`` materializations with the metadata the dataset factory writes. Timings are noisy on
a shared machine: compare the figures of one run with each other.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg

from vault_core.events import Envelope, Outbox, VersionRegistered, Webhooks
from vault_core.events.signing import new_env_secret
from vault_pipelines.event_log import EventLogDeriver

DATASETS, PER_DATASET, DELIVERIES = 25, 400, 500
REPO = Path(__file__).resolve().parents[1]


def _instance(folder: Path) -> dg.DagsterInstance:
    shutil.copy(REPO / "dagster.yaml", folder / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(folder))


def _fill(instance: dg.DagsterInstance) -> None:
    for i in range(PER_DATASET):
        for d in range(DATASETS):
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=dg.AssetKey([f"ds{d:02d}", "raw"]),
                    metadata={
                        "records": 100 + i,
                        "rows_in": 101 + i,
                        "quarantined": 1,
                        "skipped_unchanged": False,
                    },
                )
            )


def _fetch_all(instance: dg.DagsterInstance) -> int:
    seen = 0
    for d in range(DATASETS):
        cursor = None
        while True:
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey([f"ds{d:02d}", "raw"])),
                limit=1000,
                cursor=cursor,
                ascending=True,
            )
            seen += len(result.records)
            if not result.has_more:
                break
            cursor = result.cursor
    return seen


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _delivery(folder: Path) -> list[float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["BENCH_HOOK_SECRET"] = new_env_secret()
    hooks = Webhooks(folder, allow_networks=["127.0.0.1/32"])
    hooks.add(
        f"http://127.0.0.1:{server.server_address[1]}/", ["*"], secret_env="BENCH_HOOK_SECRET"
    )
    outbox = Outbox(folder)
    now = time.time()
    outbox.append(
        Envelope.of(
            VersionRegistered(
                dataset=f"ds{i % DATASETS:02d}",
                version=f"1.{i}.0",
                data_version="d",
                row_count=i,
                status="active",
                run_id="r",
            ),
            fact=f"bench:{i}",
            time=now + i / 1000,
        )
        for i in range(DELIVERIES)
    )
    hooks.fan_out(outbox)
    report = hooks.deliver_due(max_deliveries=DELIVERIES)
    server.shutdown()
    assert report.delivered == DELIVERIES, report
    return [
        float(a.finished_ms - a.started_ms)
        for d in hooks.deliveries()
        for a in hooks.attempts(d.id)
        if a.finished_ms is not None
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "dagster").mkdir()
        with _instance(folder / "dagster") as instance:
            started = time.perf_counter()
            _fill(instance)
            print(
                f"filled {DATASETS * PER_DATASET} materializations in "
                f"{time.perf_counter() - started:.1f}s"
            )
            started = time.perf_counter()
            fetched = _fetch_all(instance)
            fetch_s = time.perf_counter() - started
            outbox = Outbox(folder / "events")
            started, cpu = time.perf_counter(), time.process_time()
            result = EventLogDeriver(instance, outbox).run()
            derive_s, derive_cpu = time.perf_counter() - started, time.process_time() - cpu
            again = EventLogDeriver(instance, outbox).run()
        print(
            f"fetch_materializations: {fetched} records in {fetch_s:.2f}s "
            f"({fetched / fetch_s:,.0f}/s)"
        )
        print(
            f"derive into the outbox: {result.added} events from {result.materializations} "
            f"materializations in {derive_s:.2f}s ({result.added / derive_s:,.0f} events/s, "
            f"{derive_cpu:.2f} CPU-s); {derive_s / fetch_s:.1f}x the fetch alone"
        )
        print(
            f"incremental pass with nothing new: {again.seconds * 1000:.0f} ms, "
            f"{again.added} events"
        )
        latencies = sorted(_delivery(folder / "events"))
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(
            f"delivery to a local receiver: {len(latencies)} deliveries, latency p50 "
            f"{p50:.1f} ms, p99 {p99:.1f} ms (signed, recorded, fsync'd)"
        )


if __name__ == "__main__":
    main()
