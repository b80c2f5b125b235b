"""Sealed storage throughput beside the raw limits measured in the same run (make bench-storage).

Raw limits: AES-256-GCM encrypt_into, keyed BLAKE3, sequential write+fsync. Our figures: seal+put
and get+open for 64 KiB, 1 MiB and 256 MiB objects, small puts/s (one put each, and put_many
packed with one commit per batch), and peak RSS while streaming a 2 GiB object through put_stream,
measured in a fresh subprocess so earlier cases do not set it. Other processes share the cores:
absolute figures are noisy, ratios from the same run hold.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

import blake3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault_core.crypto import LocalKeyring
from vault_core.storage import ContentAddressedStore

MiB = 1 << 20


def _rate(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / 1e6


def raw_limits(tmp: str) -> dict[str, float]:
    data = os.urandom(64 * MiB)
    out = bytearray(len(data) + 16)
    aead = AESGCM(os.urandom(32))
    t = time.perf_counter()
    for _ in range(4):
        aead.encrypt_into(os.urandom(12), data, b"", out)
    aes = _rate(4 * len(data), time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(4):
        blake3.blake3(data, key=os.urandom(32)).digest()
    b3 = _rate(4 * len(data), time.perf_counter() - t)
    path = os.path.join(tmp, "raw.bin")
    t = time.perf_counter()
    with open(path, "wb") as f:
        for _ in range(4):
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    fsync = _rate(4 * len(data), time.perf_counter() - t)
    os.unlink(path)
    # Small-write durability limit: one 64 KiB write + fsync per object (no naming, no rename).
    small = data[: 64 << 10]
    t = time.perf_counter()
    with open(path, "wb") as f:
        for _ in range(200):
            f.write(small)
            f.flush()
            os.fsync(f.fileno())
    fsync_per_s = 200 / (time.perf_counter() - t)
    os.unlink(path)
    # The serial limit of one object: every byte is encrypted, hashed and written.
    combined = 1 / (1 / aes + 1 / b3 + 1 / fsync)
    return {
        "aes": aes,
        "blake3": b3,
        "write_fsync": fsync,
        "combined": combined,
        "fsync_per_s": fsync_per_s,
    }


def bench_objects(store: ContentAddressedStore, size: int, count: int) -> tuple[float, float]:
    payloads = [os.urandom(size) for _ in range(count)]
    t = time.perf_counter()
    addresses = [store.put(p, scope="bench").address for p in payloads]
    put = _rate(size * count, time.perf_counter() - t)
    t = time.perf_counter()
    for address in addresses:
        store.get(address)
    get = _rate(size * count, time.perf_counter() - t)
    return put, get


def main() -> int:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        keyring = LocalKeyring(os.path.join(tmp, "k.json"), "bench secret")
        store = ContentAddressedStore(os.path.join(tmp, "cas"), provider=keyring)
        limits = raw_limits(tmp)
        print("raw limits (MB/s): AES-GCM encrypt_into {aes:.0f}, keyed BLAKE3 {blake3:.0f}, "
              "write+fsync {write_fsync:.0f}; serial encrypt+hash+write {combined:.0f}"
              .format(**limits))  # fmt: skip
        for label, size, count in (("64 KiB", 64 << 10, 300), ("1 MiB", MiB, 60),
                                   ("256 MiB", 256 * MiB, 1)):  # fmt: skip
            put, get = bench_objects(store, size, count)
            print(f"{label:>8}: seal+put {put:7.0f} MB/s = {put / limits['combined']:4.0%} of "
                  f"serial limit, {put / limits['write_fsync']:4.0%} of write+fsync; "
                  f"get+open {get:7.0f} MB/s = {get / limits['aes']:4.0%} of AES-GCM")  # fmt: skip
        payloads = [os.urandom(64 << 10) for _ in range(300)]
        t = time.perf_counter()
        for p in payloads:
            store.put(p, scope="small")
        single = len(payloads) / (time.perf_counter() - t)
        payloads = [os.urandom(64 << 10) for _ in range(1500)]
        t = time.perf_counter()
        for start in range(0, len(payloads), 300):
            store.put_many(payloads[start : start + 300], scope="small")
        packed = len(payloads) / (time.perf_counter() - t)
        fsync_cap = limits["fsync_per_s"]
        print(f"64 KiB puts: put {single:.0f}/s (fsync alone caps {fsync_cap:.0f}/s here); "
              f"put_many in batches of 300 {packed:.0f}/s = {packed / single:.1f}x put "
              f"(target 1500/s)")  # fmt: skip
        # A rerun: every put finds its content stored (dedup), as a re-ingest of unchanged data.
        t = time.perf_counter()
        for start in range(0, len(payloads), 300):
            store.put_many(payloads[start : start + 300], scope="small")
        rerun = len(payloads) / (time.perf_counter() - t)
        t = time.perf_counter()
        for p in payloads[:300]:
            store.put(p, scope="small")
        rerun_single = 300 / (time.perf_counter() - t)
        print(f"64 KiB dedup reruns: put_many {rerun:.0f}/s, put {rerun_single:.0f}/s "
              f"({rerun * (64 << 10) / 1e6:.0f} MB/s)")  # fmt: skip
    out = subprocess.run(
        [sys.executable, __file__, "--rss"], check=True, capture_output=True, text=True
    ).stdout
    print(out.strip())
    return 0


def _peak_rss_mib() -> float:
    # VmHWM belongs to this process image (ru_maxrss survives exec and would report the parent's).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_case() -> int:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        keyring = LocalKeyring(os.path.join(tmp, "k.json"), "bench secret")
        store = ContentAddressedStore(os.path.join(tmp, "cas"), provider=keyring)
        chunk = os.urandom(4 * MiB)
        rss_before = _peak_rss_mib()
        t = time.perf_counter()
        result = store.put_stream((chunk for _ in range(512)), scope="stream")
        seconds = time.perf_counter() - t
        rss = _peak_rss_mib()
        print(f"2 GiB put_stream (fresh process): {_rate(result.size, seconds):.0f} MB/s, "
              f"peak RSS {rss:.0f} MiB (before: {rss_before:.0f} MiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(rss_case() if "--rss" in sys.argv[1:] else main())
