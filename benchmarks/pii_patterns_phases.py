"""Main-thread CPU of one `patterns` detect_table, phase by phase, for old-vs-new comparisons.

    .venv/bin/python benchmarks/pii_patterns_phases.py REPO CORPUS CALLS

REPO, CORPUS and CALLS as in ``pii_patterns_cpu.py`` (``vault`` or ``independent``). The
functions of the columnar pass that run on the calling thread are wrapped (those a checkout
lacks are skipped) and their thread CPU summed; ``judge`` and the rare detectors' searches
per detector. Prints milliseconds per call, largest first. The polars scans run on other
threads and are not in these figures: ``pii_patterns_cpu.py`` gives the whole process's CPU.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

_WRAPPED = (
    ("vault_core.pii.scan.columnar", "judge", True),
    ("vault_core.pii.scan.columnar", "_matched_whole", True),
    ("vault_core.pii.scan.columnar", "_lead_checked", False),
    ("vault_core.pii.scan.columnar", "_value_start", False),
    ("vault_core.pii.scan.batches", "_start_batch", False),
    ("vault_core.pii.scan.batches", "_finished", False),
    ("vault_core.pii.joined_text", "Corpus.near_digits", False),
    ("vault_core.pii.joined_text", "ContextWords.of_found", False),
    ("vault_core.pii.joined_text", "Haystack.marked_spans", False),
    ("vault_core.pii.scan.prefilter", "Prefilter.ends", False),
    ("vault_core.pii.scan.prefilter", "matches_in", True),
    ("vault_core.pii.scan.digit_groups", "matches", True),
    ("vault_core.pii.scan.digit_groups", "Runs.of", False),
    ("vault_core.pii.scan.repeated_groups", "matches", True),
    ("vault_core.pii.engine", "PiiEngine.detect_table", False),
)


def main() -> int:
    repo, corpus_name, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path.insert(0, str(Path(repo).resolve()))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pii_patterns_cpu import corpus_table

    spent: defaultdict[str, float] = defaultdict(float)
    for module, name, per_detector in _WRAPPED:
        _wrap(module, name, per_detector, spent)
    from vault_core.pii import PiiEngine, PiiEngineConfig

    table, columns = corpus_table(corpus_name)
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    for _ in range(2):
        engine.detect_table(table, text_columns=columns)
    spent.clear()
    for _ in range(calls):
        engine.detect_table(table, text_columns=columns)
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        if 1000 * seconds / calls >= 0.05:
            print(f"{1000 * seconds / calls:7.2f} {label}")
    return 0


def _wrap(module: str, name: str, per_detector: bool, spent: defaultdict[str, float]) -> None:
    """Sum the calling thread's CPU in ``module.name`` into ``spent`` (skipped if missing)."""
    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return
    attribute = name
    if "." in name:
        owner_name, attribute = name.split(".")
        owner = getattr(owner, owner_name, None)
    original: Callable[..., Any] | None = getattr(owner, attribute, None)
    if original is None:
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            label = f"{name}:{args[0].name}" if per_detector else name
            spent[label] += time.thread_time() - began

    setattr(owner, attribute, timed)


if __name__ == "__main__":
    raise SystemExit(main())
