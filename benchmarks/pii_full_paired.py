"""Old and new `full` code, one cold call each, in alternating fresh processes.

    .venv/bin/python benchmarks/pii_full_paired.py OLD_REPO NEW_REPO ROUNDS

Each round runs one process per checkout (old, then new), each as ``pii_eval.py --corpus
independent`` times ``full``: a ``patterns`` call first, then a ``full`` engine with
``n_process=2`` is loaded and one cold ``detect_batch`` timed, then a second call on the same
texts. Fresh processes, because the NER workers, spaCy's vocabulary and the heap they fork
from are what is compared. Prints each process's load, cold and second-call seconds, the cold
call's CPU seconds in the process and its NER workers (``cold_cpu``, from ``/proc``: less
moved by this machine's drift than wall time) and a digest of its spans (equal digests: the
same findings), then the medians.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

_BENCHMARKS = Path(__file__).resolve().parent


def measure(repo: str) -> dict[str, float | str]:
    """One process on ``repo``'s code: load, cold call, second call, digest of the spans."""
    sys.path.insert(0, repo)
    sys.path.insert(1, str(_BENCHMARKS))
    from pii_eval import build_independent_corpus

    from vault_core.pii.engine import PiiEngine, PiiEngineConfig

    texts = [sample.text for sample in build_independent_corpus(3000, 1414).samples]
    PiiEngine(PiiEngineConfig(mode="patterns", n_process=2)).detect_batch(texts)
    engine = PiiEngine(PiiEngineConfig(mode="full", n_process=2))
    began = time.perf_counter()
    engine.load()
    load = time.perf_counter() - began
    cpu, began = _cpu_seconds(), time.perf_counter()
    found = engine.detect_batch(texts)
    cold, cold_cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    began = time.perf_counter()
    engine.detect_batch(texts)
    second = time.perf_counter() - began
    spans = repr([[(f.start, f.end, f.entity_type) for f in fs] for fs in found])
    digest = hashlib.sha256(spans.encode()).hexdigest()[:12]
    return {"load": load, "cold": cold, "cold_cpu": cold_cpu, "second": second, "spans": digest}


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its living children (the NER workers), read from
    ``/proc`` (the workers are not waited for, so ``RUSAGE_CHILDREN`` does not count them)."""
    total = time.process_time()
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--one":
        print(json.dumps(measure(argv[1])))
        return 0
    old, new, rounds = argv[0], argv[1], int(argv[2])
    results: dict[str, list[dict[str, float | str]]] = {old: [], new: []}
    for _ in range(rounds):
        for repo in (old, new):
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--one", repo, "_"],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            result = json.loads(out)
            results[repo].append(result)
            print(repo, {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()})
    for repo, runs in results.items():
        medians = {
            key: round(statistics.median(float(run[key]) for run in runs), 3)
            for key in ("load", "cold", "cold_cpu", "second")
        }
        print(f"median {repo}: {medians}, spans {sorted({str(run['spans']) for run in runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
