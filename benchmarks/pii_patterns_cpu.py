"""CPU time of one `patterns` detect_table, for old-vs-new comparisons run interleaved.

    .venv/bin/python benchmarks/pii_patterns_cpu.py REPO CORPUS CALLS

REPO is a checkout whose ``vault_core`` is imported (a git worktree of an older commit beside
this one); CORPUS is ``vault`` (benchmarks/_pii_corpus, as ``make bench-pii``'s columnar
measure), ``vault*K`` (that corpus K times larger, as ``pii_eval.py --patterns-scale K``
builds it: a call's fixed costs amortised), ``anonymized`` (the same with every gold span
replaced by ``<TYPE>``, text as the ``no_pii_left`` audit reads it), ``independent``
(presidio-evaluator's sentences) or ``landing=FOLDER`` (the first 20 MB of a scale
benchmark's landing rows, ``subject`` and ``body``, as ``scale_bench.py``'s "engine alone"
scans them: the pipeline's shape, several 4 MB batches, where the per-call costs of the small
corpora weigh little); any of them followed by ``:ROWS`` keeps its first ROWS rows
(``vault:60``, ~15 KB: a call's fixed costs alone). The corpus comes from this checkout's
benchmarks/ either way. Two
warm-up calls, then CALLS timed calls; prints one JSON line with the median process CPU
(every thread: polars scans on its pool) and wall time.
Alternate the checkouts, one process each, several rounds (the machine is shared), e.g.::

    for r in 1 2 3 4; do for repo in ../old .; do
      .venv/bin/python benchmarks/pii_patterns_cpu.py $repo vault 9; done; done
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    repo, corpus_name, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path.insert(0, str(Path(repo).resolve()))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import vault_core
    from vault_core.pii import PiiEngine, PiiEngineConfig

    table, columns = corpus_table(corpus_name)
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    for _ in range(2):
        engine.detect_table(table, text_columns=columns)
    cpu, wall = [], []
    for _ in range(calls):
        began_cpu, began = time.process_time(), time.perf_counter()
        found = engine.detect_table(table, text_columns=columns)
        cpu.append(time.process_time() - began_cpu)
        wall.append(time.perf_counter() - began)
    cpu.sort()
    wall.sort()
    print(json.dumps({
        "vault_core": str(Path(vault_core.__file__).parent), "corpus": corpus_name,
        "findings": found.num_rows, "cpu_ms": round(1000 * cpu[calls // 2], 1),
        "wall_ms": round(1000 * wall[calls // 2], 1),
    }))  # fmt: skip
    return 0


def corpus_table(corpus_name: str) -> tuple[Any, list[str]]:
    """The table of ``corpus_name`` (see the module docstring) and its text columns."""
    import pyarrow as pa

    corpus_name, _, head = corpus_name.partition(":")
    if head:
        table, columns = corpus_table(corpus_name)
        return table.slice(0, int(head)), columns
    if corpus_name.startswith("landing="):
        from scale_bench import landing_sample

        return landing_sample(Path(corpus_name.removeprefix("landing=")), 20.0)
    name, _, times = corpus_name.partition("*")
    if name in ("vault", "anonymized"):
        from _pii_corpus import build_corpus

        k = int(times or 1)
        corpus = build_corpus(short=4000 * k, long=12 * k, rows=1500 * k)
        shown = _placeheld if name == "anonymized" else (lambda sample: sample.text)
        texts = [shown(s) for s in (*corpus.short, *corpus.long)]
        cells = {name: [shown(c) for c in values] for name, values in corpus.columns.items()}
    else:
        from _pii_corpus_independent import build_independent_corpus

        texts = [s.text for s in build_independent_corpus(3000).samples]
        cells = {}
    columns = ["text", *cells]
    rows = max([len(texts), *(len(values) for values in cells.values())])
    table = pa.table(
        {
            "record_id": [f"r{i}" for i in range(rows)],
            **{
                name: values + [None] * (rows - len(values))
                for name, values in {"text": texts, **cells}.items()
            },
        }
    )
    return table, columns


def _placeheld(sample: Any) -> str:
    """The sample's text with each gold span replaced by ``<TYPE>`` (the replace operator)."""
    text: str = sample.text
    for start, end, kind in sorted(sample.spans, reverse=True):
        text = text[:start] + f"<{kind}>" + text[end:]
    return text


if __name__ == "__main__":
    raise SystemExit(main())
