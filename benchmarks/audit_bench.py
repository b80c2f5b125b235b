"""Audit benchmark (`make bench-audit`): what access control and the audit log cost beside
opening 1 MiB raw objects, measured in the same run.

A vault in a temporary folder seals 64 objects of 1 MiB. Each round opens every object
(``store.get``: read, unwrap, AES-GCM, keyed BLAKE3 check) and, interleaved in the same round,
does for each object what a guarded open adds: one Cedar decision plus one audit entry (the
worst case: ``Vault.open_raw`` checks once per dataset, not per object), the batched writes and
their fsyncs included. CPU time (``time.process_time``) and wall time; medians of the rounds.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from vault_core.access import Principal
from vault_core.settings import VaultSettings
from vault_core.vault import Vault

OBJECTS, SIZE, ROUNDS = 64, 1 << 20, 7


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        admin = Principal(id="bench", roles=("admin",), clearance="restricted")
        vault = Vault(
            VaultSettings(home=os.path.join(folder, "home")),
            master_secret="bench-secret-0123456789abcdef0123",
            principal=admin,
        )
        addresses = [
            vault.store.put(os.urandom(SIZE), scope="bench").address for _ in range(OBJECTS)
        ]
        vault.access.require("dataset:read_raw", "bench")  # warm: policy parsed, files read
        vault.audit.flush()
        opens: list[tuple[float, float]] = []
        audits: list[tuple[float, float]] = []
        for _ in range(ROUNDS):
            cpu, wall = time.process_time(), time.perf_counter()
            for address in addresses:
                vault.store.get(address)
            opens.append((time.process_time() - cpu, time.perf_counter() - wall))
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(OBJECTS):
                vault.access.require("dataset:read_raw", "bench", details={"object": i})
            vault.audit.flush()
            audits.append((time.process_time() - cpu, time.perf_counter() - wall))
        entries = sum(1 for _ in vault.audit.entries())
    open_cpu = statistics.median(c for c, _ in opens)
    open_wall = statistics.median(w for _, w in opens)
    audit_cpu = statistics.median(c for c, _ in audits)
    audit_wall = statistics.median(w for _, w in audits)
    print(f"{OBJECTS} objects of 1 MiB, {ROUNDS} rounds, medians; {entries} audit entries written")
    print(
        f"open 1 MiB objects:          {open_cpu / OBJECTS * 1e3:7.3f} ms CPU  "
        f"{open_wall / OBJECTS * 1e3:7.3f} ms wall per object"
    )
    print(
        f"decision + audit entry:      {audit_cpu / OBJECTS * 1e3:7.3f} ms CPU  "
        f"{audit_wall / OBJECTS * 1e3:7.3f} ms wall per object"
    )
    print(
        f"audit cost / open cost:      {audit_cpu / open_cpu:7.1%} CPU      "
        f"{audit_wall / open_wall:7.1%} wall  (target <= 5%)"
    )


if __name__ == "__main__":
    main()
