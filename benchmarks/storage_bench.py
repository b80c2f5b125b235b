"""Sealed storage throughput beside the raw limits measured in the same run (make bench-storage).

Raw limits: AES-256-GCM encrypt_into, keyed BLAKE3, sequential write+fsync. Our figures: seal+put
and get+open for 64 KiB, 1 MiB and 256 MiB objects, small puts/s, and peak RSS while streaming a
2 GiB object through put_stream. Other processes share the cores: figures are noisy.
"""

from __future__ import annotations

import os
import resource
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
    # The serial limit of one object: every byte is encrypted, hashed and written.
    combined = 1 / (1 / aes + 1 / b3 + 1 / fsync)
    return {"aes": aes, "blake3": b3, "write_fsync": fsync, "combined": combined}


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
        rate = len(payloads) / (time.perf_counter() - t)
        print(f"64 KiB puts: {rate:.0f}/s (one fsync per object caps ~400/s here; target 1500/s)")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        chunk = os.urandom(4 * MiB)
        t = time.perf_counter()
        result = store.put_stream((chunk for _ in range(512)), scope="stream")
        seconds = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"2 GiB put_stream: {_rate(result.size, seconds):.0f} MB/s, peak RSS {rss:.0f} MiB "
              f"(before: {rss_before:.0f} MiB, set by the in-memory 256 MiB case)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
