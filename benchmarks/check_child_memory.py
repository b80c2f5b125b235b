"""Peak memory of the check children (:mod:`vault_core.child_process`) on one day of tickets.

Builds one anonymized partition like the scale benchmark's (``--landing-cache``: a folder of
days made by ``scale_bench.py``, the first ``--days`` of it linked into the landing zone; the
vault home is kept under ``--work`` and reused), then drives the process's check children as
the asset checks do (``run_suite`` in the suites' child, ``residual_estimate`` with an isolated
full engine in the engine's child) and reads the phase's child's ``VmRSS``/``VmHWM`` from
``/proc/<pid>/status`` after each phase. ``VmHWM`` is reset between phases (``clear_refs`` 5),
so each phase's peak is its own:

- start: a fresh interpreter that imported ``vault_core.child_process`` (the suites' child);
- engine: the ``full`` engine loaded (spaCy, gazetteer, names), one tiny table detected (the
  engine's child);
- ge: Great Expectations imported and one tiny frame validated;
- contract/<day>: the generated contract suite on each day's partition (one at a time);
- wide/<day>: a suite of the common column expectations on every column of each day;
- residual: the residual-PII estimate over every day (the sample only).

Usage: ``python benchmarks/check_child_memory.py --landing-cache
/work/landing-cache/200mb-100mb-per-day [--days 2] [--work /tmp/childmem]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MB = 1_000_000
SECRET = "check-child-memory bench secret"


def _status(pid: int) -> dict[str, float]:
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key = line.split(":")[0]
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(line.split()[1]) * 1024 / MB
    return found


def _reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)


def _spec(landing: Path) -> Any:
    from scale_bench import _spec as scale_spec  # the scale benchmark's ticket dataset

    return scale_spec(str(landing), "patterns")


def build(cache: Path, work: Path, days: int) -> tuple[Any, Any, list[str]]:
    """The vault with each of the first ``days`` of ``cache`` anonymized (built once)."""
    from scale_bench import link_days

    from vault_core import stages
    from vault_core.pii import PiiEngine
    from vault_core.settings import VaultSettings
    from vault_core.vault import Vault

    keys = sorted(p.name for p in cache.iterdir() if p.is_dir())[:days]
    landing = work / "landing"
    link_days(cache, landing, keys)
    spec = _spec(landing)
    vault = Vault(VaultSettings(home=str(work / "home")))
    engine = PiiEngine(spec.pii)
    for key in keys:
        started = time.perf_counter()
        stages.ingest_raw(vault, spec, key)
        stages.find_pii(vault, spec, engine, key)
        result = stages.anonymize(vault, spec, engine, key)
        print(f"# {key}: anonymized {result.rows} rows ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)  # fmt: skip
    return vault, spec, keys


def wide_suite(columns: list[str]) -> Any:
    """The common column expectations on every column, and the table-level ones."""
    from vault_core.quality.suite import ExpectationSuiteSpec

    expectations: list[dict[str, Any]] = [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": columns}},
    ]
    for column in columns:
        for kind, kwargs in (
            ("expect_column_values_to_not_be_null", {}),
            ("expect_column_values_to_be_unique", {}),
            ("expect_column_value_lengths_to_be_between", {"min_value": 1, "max_value": 5000}),
            ("expect_column_values_to_match_regex", {"regex": r"\S"}),
        ):
            expectations.append({"type": kind, "kwargs": {"column": column, **kwargs}})
    return ExpectationSuiteSpec(name="wide", expectations=expectations, severity="WARN")


def measure(vault: Any, spec: Any, keys: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    import pyarrow as pa

    from vault_core.child_process import ENGINE, SUITES, ChildProcess, shared_child
    from vault_core.pii.isolated import IsolatedEngine
    from vault_core.quality.contract import contract_suite
    from vault_core.stages import checks

    suites, engine = shared_child(SUITES), shared_child(ENGINE)
    rows: list[dict[str, Any]] = []

    def phase(name: str, work: Any, child: ChildProcess = suites) -> Any:
        pid = child.pid
        if pid is not None:
            _reset_peak(pid)
        started = time.process_time()
        value = work()
        rows.append({"phase": name, **_status(child.pid or 0),
                     "parent_cpu_s": round(time.process_time() - started, 2)})  # fmt: skip
        print(json.dumps(rows[-1]), file=sys.stderr)
        return value

    phase("start", lambda: suites.call("vault_core.child_process:_portable", ValueError("start")))
    full = spec.pii.model_copy(update={"mode": "full"})
    tiny = pa.table({"record_id": ["1"], "body": ["call me at 555-0100"]})
    phase("engine", lambda: IsolatedEngine(full).detect_table(tiny, text_columns=["body"]), engine)
    contract = contract_suite(spec)
    phase("ge", lambda: suites.call("vault_core.quality.validate:validate_table", contract,
                                    pa.table({"record_id": ["1"], "ticket_id": ["t"],
                                              "body": ["b"], "subject": ["s"]})))  # fmt: skip
    results = {}
    for key in keys:
        results[f"contract/{key}"] = phase(
            f"contract/{key}", lambda k=key: checks.run_suite(vault, spec, contract, [k])
        ).metadata()
    wide = wide_suite(_columns(vault, spec))
    for key in keys:
        results[f"wide/{key}"] = phase(
            f"wide/{key}", lambda k=key: checks.run_suite(vault, spec, wide, [k])
        ).metadata()
    assert spec.residual_pii is not None
    residual = spec.residual_pii
    found = phase(
        "residual",
        lambda: checks.residual_estimate(vault, spec, IsolatedEngine(full), residual, keys),
        engine,
    )
    results["residual"] = found.metadata()
    suites.close()
    engine.close()
    return rows, results


def _columns(vault: Any, spec: Any) -> list[str]:
    from vault_core.stages._common import PARTITION
    from vault_core.tables import open_dataset

    schema = open_dataset(vault.table_url(spec.name, "anonymized")).schema
    return [f.name for f in schema if f.name != PARTITION]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing-cache", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/check-child-memory"))
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--results", type=Path, help="write the checks' metadata here (JSON)")
    args = parser.parse_args()
    os.environ.setdefault("VAULT_MASTER_SECRET", SECRET)
    vault, spec, keys = build(args.landing_cache, args.work, args.days)
    rows, results = measure(vault, spec, keys)
    print(f"{'phase':<22} {'VmRSS MB':>9} {'VmHWM MB':>9}")
    for row in rows:
        print(f"{row['phase']:<22} {row['VmRSS']:>9.0f} {row['VmHWM']:>9.0f}")
    if args.results:
        args.results.write_text(json.dumps(results, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
