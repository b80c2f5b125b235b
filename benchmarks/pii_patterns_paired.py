"""Old and new `patterns` code in one process, their detect_table calls alternated.

    .venv/bin/python benchmarks/pii_patterns_paired.py OLD_REPO NEW_REPO CORPUS ROUNDS

This machine's speed drifts by tens of percent within minutes, so two processes run one after
the other compare two moments as much as two versions. Here both versions' ``vault_core`` are
imported into one process (each from its checkout, its modules swapped into ``sys.modules``
before each of its calls, so what they import lazily is their own), and their calls alternate
old-new-new-old, then new-old-old-new: each round's ratio compares calls made within a second of
each other. CORPUS as in ``pii_patterns_cpu.py`` (``vault``, ``vault*K``, ``anonymized``,
``independent`` or ``landing=FOLDER``). Two warm-up calls each, then ``ROUNDS`` rounds of two
calls each; prints the median process CPU and wall time per call of each version and the
median of the paired ratios new/old. Both versions share polars' and Arrow's thread pools,
as two versions in one pipeline would.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

_PACKAGE = "vault_core"


def _ours(name: str) -> bool:
    return name == _PACKAGE or name.startswith(_PACKAGE + ".")


class _Version:
    """One checkout's engine, table and modules."""

    def __init__(self, repo: str, corpus: str) -> None:
        sys.path.insert(0, repo)
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        from pii_patterns_cpu import corpus_table

        import vault_core
        from vault_core.pii import PiiEngine, PiiEngineConfig

        if not str(Path(vault_core.__file__).resolve()).startswith(str(Path(repo).resolve())):
            raise SystemExit(f"{repo}: imported {vault_core.__file__} instead")
        self.table, self.columns = corpus_table(corpus)
        self.engine: Any = PiiEngine(PiiEngineConfig(mode="patterns"))
        self.engine.load()
        for _ in range(2):
            self.engine.detect_table(self.table, text_columns=self.columns)
        self.modules: dict[str, ModuleType] = {
            name: module for name, module in sys.modules.items() if _ours(name)
        }
        sys.path.remove(repo)

    def call(self) -> tuple[float, float, int]:
        """CPU seconds, wall seconds and findings of one detect_table."""
        sys.modules.update(self.modules)
        cpu, wall = time.process_time(), time.perf_counter()
        found = self.engine.detect_table(self.table, text_columns=self.columns).num_rows
        return time.process_time() - cpu, time.perf_counter() - wall, found


def main() -> int:
    old_repo, new_repo, corpus, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    versions = {"old": _Version(old_repo, corpus), "new": _Version(new_repo, corpus)}
    calls: dict[str, list[tuple[float, float, int]]] = {"old": [], "new": []}
    for number in range(rounds):
        order = ("old", "new", "new", "old") if number % 2 == 0 else ("new", "old", "old", "new")
        for name in order:
            calls[name].append(versions[name].call())

    def median_ms(name: str, index: int) -> float:
        return 1000 * statistics.median(call[index] for call in calls[name])

    cpu = statistics.median(b[0] / a[0] for a, b in zip(calls["old"], calls["new"], strict=True))
    wall = statistics.median(b[1] / a[1] for a, b in zip(calls["old"], calls["new"], strict=True))
    print(
        f"{corpus}: old {median_ms('old', 0):.1f} ms CPU, {median_ms('old', 1):.1f} ms wall "
        f"({calls['old'][0][2]} findings); new {median_ms('new', 0):.1f} ms CPU, "
        f"{median_ms('new', 1):.1f} ms wall ({calls['new'][0][2]} findings); "
        f"paired new/old: CPU x{cpu:.3f}, wall x{wall:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
