"""Checks of the anonymized zone as plain functions: expectation suites and the residual-PII
estimate on the partitions a run wrote, each read at the Delta version its stage recorded.

The partitions are read one at a time (a suite's memory follows the largest partition); the
residual estimate reads the record ids of every partition, draws its sample from them and then
reads only the sampled rows. Reading is ``dataset:read`` for the acting principal, audited.

Outcomes are cached (:mod:`vault_core.check_cache`): a suite's outcome per partition, under its
data and Delta versions, the suite and the validation code; the residual estimate whole, under
every partition's versions, the check's settings, the engine and its code. A rerun over
partitions whose stages skipped (unchanged inputs) reads and validates none of them again and
reports the same result, failures included.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from vault_core import partition_tables as ptables
from vault_core.check_cache import WHOLE, CheckCache, code_version, entry_key
from vault_core.child_process import SUITES, shared_child
from vault_core.dataset import DatasetSpec
from vault_core.ingest import RECORD_ID
from vault_core.partition_state import PartitionState
from vault_core.pii.engine import PiiEngineConfig
from vault_core.pii.isolated import IsolatedEngine
from vault_core.quality.residual import (
    RESIDUAL_CHECK,
    RateEstimate,
    RecordOutcome,
    ResidualEstimate,
    ResidualPiiSpec,
    TableDetector,
    estimate_of,
    record_outcomes,
    smallest,
)
from vault_core.quality.suite import ExpectationSuiteSpec
from vault_core.stages._common import (
    PARTITION,
    StageNotRunError,
    _detector_digest,
    _options,
    states,
)
from vault_core.tables import open_dataset
from vault_core.vault import Vault

_log = logging.getLogger(__name__)


def checked_states(
    vault: Vault, spec: DatasetSpec, partitions: Sequence[str] | None = None
) -> list[PartitionState]:
    """The anonymized stage's state of each of ``partitions`` (None: every partition)."""
    store = states(vault, spec)
    if partitions is None:
        found = store.all("anonymized")
        if not found:
            raise StageNotRunError(spec.name, "anonymized", "any")
        return found
    chosen = []
    for partition in partitions:
        state = store.get("anonymized", partition)
        if state is None:
            raise StageNotRunError(spec.name, "anonymized", partition)
        chosen.append(state)
    return chosen


def _tables(vault: Vault, spec: DatasetSpec, chosen: list[PartitionState]) -> Iterator[Any]:
    url = vault.table_url(spec.name, "anonymized")
    for state in chosen:
        table = ptables.read_partition(
            url, state.partition, version=state.delta_version, storage_options=_options(vault)
        )
        yield state.partition, table.drop_columns([PARTITION])


def check_cache(vault: Vault, spec: DatasetSpec) -> CheckCache:
    """Where the checks of ``spec`` keep their outcomes: beside the stages' partition states."""
    return CheckCache(f"{states(vault, spec).root}/checks", _options(vault))


SUITE_CODE = ("vault_core.quality.validate", "vault_core.stages.checks")
SUITE_LIBRARIES = ("great_expectations", "pandas", "pyarrow", "numpy")


def suite_digest(suite: ExpectationSuiteSpec) -> str:
    """Digest of what a suite checks and how it reports (its file's path aside)."""
    return entry_key(suite=suite.model_dump(mode="json", exclude={"file"}))


def _suite_key(suite: ExpectationSuiteSpec, state: PartitionState) -> str:
    return entry_key(
        partition=state.partition,
        # The Delta version too: a partition's rows are read with the table's schema at that
        # version (columns another partition added come back as nulls).
        data_version=[state.data_version, state.delta_version],
        suite=suite_digest(suite),
        code=code_version(SUITE_CODE, SUITE_LIBRARIES),
    )


def run_suite(
    vault: Vault,
    spec: DatasetSpec,
    suite: ExpectationSuiteSpec,
    partitions: Sequence[str] | None = None,
) -> Any:
    """Run ``suite`` on the anonymized rows of ``partitions``; a
    :class:`~vault_core.quality.validate.SuiteResult`.

    Great Expectations runs in the process's check child (:mod:`vault_core.child_process`):
    its import (~150 MB) and each partition's pandas frame stay out of the worker. Each
    partition's Arrow table goes over the child's stdin, one at a time. A partition whose
    outcome is cached under the same versions, suite and code is not read: its outcome is
    merged as it was (``SuiteResult.reused`` counts them), so the result equals a fresh one."""
    from vault_core.quality.validate import ExpectationOutcome, SuiteResult, merge

    chosen = checked_states(vault, spec, partitions)
    vault.access.require("dataset:read", spec.name, details={"check": suite.check_name})
    cache = check_cache(vault, spec)
    keys = {state.partition: _suite_key(suite, state) for state in chosen}
    done: dict[str, tuple[str, int, list[ExpectationOutcome]]] = {}
    for state in chosen:
        found = cache.get(suite.check_name, state.partition, keys[state.partition])
        if found is not None:
            outcomes = [ExpectationOutcome(**o) for o in found["outcomes"]]
            done[state.partition] = (state.partition, int(found["rows"]), outcomes)
    reused = len(done)
    missing = [state for state in chosen if state.partition not in done]
    in_child = functools.partial(
        shared_child(SUITES).call, "vault_core.quality.validate:validate_table"
    )
    for partition, table in _tables(vault, spec, missing):
        outcomes = in_child(suite, table)
        done[partition] = (partition, table.num_rows, outcomes)
        if not vault.read_only:
            outcome = {"rows": table.num_rows, "outcomes": [asdict(o) for o in outcomes]}
            cache.put(suite.check_name, partition, keys[partition], outcome)
        del table
    if not done:
        return SuiteResult(suite.name, suite.severity, [], 0, [])
    return replace(merge(suite, [done[state.partition] for state in chosen]), reused=reused)


def residual_columns(spec: DatasetSpec, schema: pa.Schema) -> list[str]:
    """The anonymized columns the estimate scans: every one but the record id, the partition,
    the entity columns (rewritten whole, often into realistic surrogates) and the passthrough
    columns (declared free of personal data)."""
    skipped = {RECORD_ID, PARTITION, *spec.entity_columns, *spec.passthrough_columns}
    return [f.name for f in schema if f.name not in skipped]


RESIDUAL_CODE = ("vault_core.pii", "vault_core.quality.residual", "vault_core.stages.checks")
RESIDUAL_LIBRARIES = ("presidio_analyzer", "spacy", "pyarrow", "numpy")


def _residual_key(
    spec: DatasetSpec, engine: TableDetector, check: ResidualPiiSpec, chosen: list[PartitionState]
) -> str | None:
    """The residual estimate's cache key; None (not cached) for an engine whose configuration
    is unknown."""
    scan = _scan_key(spec, engine)
    if scan is None:
        return None
    partitions = sorted([s.partition, s.data_version, s.delta_version] for s in chosen)
    return entry_key(partitions=partitions, check=check.model_dump(mode="json"), scan=scan)


def _scan_key(spec: DatasetSpec, engine: TableDetector) -> str | None:
    """What a sampled record's outcome depends on besides its row: the columns the check
    leaves out, the engine, its detectors and the code (None for an unknown engine)."""
    config = getattr(engine, "config", None)
    if not isinstance(config, PiiEngineConfig):
        return None
    return entry_key(
        # What decides the columns scanned (the schema is the pinned versions').
        columns=spec.model_dump(mode="json", include={"entity_columns", "passthrough_columns"}),
        # The number of NER processes never changes what an engine finds (tested).
        engine=config.model_dump(mode="json", exclude={"n_process"}),
        detectors=_detector_digest(config.detectors.model_dump_json()),
        code=code_version(RESIDUAL_CODE, (*RESIDUAL_LIBRARIES, config.spacy_model)),
    )


def _outcomes_key(
    scan: str, check: ResidualPiiSpec, state: PartitionState, columns: list[str]
) -> str:
    """The key of one partition's sampled records' outcomes: its versions, its own sample
    (size and seed), the columns scanned and :func:`_scan_key`."""
    return entry_key(
        partition=[state.partition, state.data_version, state.delta_version],
        sample=[check.sample_size, check.seed],
        columns=columns,
        scan=scan,
    )


def _estimate_of(found: dict[str, Any]) -> ResidualEstimate:
    by_type = {kind: RateEstimate(**rate) for kind, rate in found["by_type"].items()}
    return ResidualEstimate(**{**found, "by_type": by_type})


def residual_estimate(
    vault: Vault,
    spec: DatasetSpec,
    engine: TableDetector,
    check: ResidualPiiSpec,
    partitions: Sequence[str] | None = None,
) -> ResidualEstimate:
    """The residual-PII estimate of the anonymized rows of ``partitions`` (``engine``: the full
    engine, NER included, or an isolated one that runs it in a child process).

    The sample is drawn over all of them, so the estimate is cached whole: when every
    partition's versions, the check's settings and the engine are those of the cached one, it
    is returned as it was (``reused``) without reading a row or starting the engine. Each
    sampled record's outcome is kept per partition too, so an estimate over another set of
    partitions (a range after the daily runs) scans only the records no run scanned yet."""
    chosen = checked_states(vault, spec, partitions)
    vault.access.require("dataset:read", spec.name, details={"check": "residual_pii"})
    cache, key = check_cache(vault, spec), _residual_key(spec, engine, check, chosen)
    if key is not None and (found := cache.get(RESIDUAL_CHECK, WHOLE, key)) is not None:
        return replace(_estimate_of(found), partitions=len(chosen), reused=True)
    url, options = vault.table_url(spec.name, "anonymized"), _options(vault)
    # The sample of every partition is the sample of the partitions' own samples
    # (:func:`~vault_core.quality.residual.smallest`): drawn one partition at a time, memory
    # follows one partition's record ids, not the whole range's (5.1M ids over 20 days held
    # ~400 MB in the worker).
    population, drawn = 0, []
    for state in chosen:
        ids = ptables.read_partition(
            url, state.partition, version=state.delta_version, columns=[RECORD_ID, PARTITION],
            storage_options=options,
        )  # fmt: skip
        population += ids.num_rows
        drawn.append(smallest(ids, check.sample_size, check.seed, RECORD_ID))
        del ids
    sample = smallest(pa.concat_tables(drawn), check.sample_size, check.seed, RECORD_ID)
    # The latest of the pinned versions (its schema holds every partition's columns), whatever
    # the order the run wrote them in: the same partitions give the same estimate (and key).
    latest = max(state.delta_version for state in chosen)
    schema = open_dataset(url, version=latest, storage_options=options).schema
    columns = residual_columns(spec, schema)
    # Each sampled record's outcome, per partition: the records of the sample in a partition
    # are the first of that partition's own sample, so the outcomes kept for a partition (the
    # records a run scanned there) serve any later sample over any set of partitions; a rerun
    # of a range over unchanged days scans nothing and starts no engine.
    scan = _scan_key(spec, engine)
    outcomes: list[tuple[str, RecordOutcome]] = []
    for state in chosen:
        wanted = sample.filter(ds.field(PARTITION) == state.partition)[RECORD_ID].to_pylist()
        if not wanted:
            continue
        part_key = None if scan is None else _outcomes_key(scan, check, state, columns)
        kept = {} if part_key is None else _kept_outcomes(cache, state.partition, part_key)
        missing = sorted({row_id for row_id in wanted if row_id not in kept})
        if missing:
            rows = ptables.read_partition(
                url, state.partition, version=state.delta_version,
                columns=[RECORD_ID, *columns], row_filter=ds.field(RECORD_ID).isin(missing),
                storage_options=options,
            )  # fmt: skip
            rows = rows.sort_by([(RECORD_ID, "ascending")])
            scanned = record_outcomes(rows, columns, engine, id_column=RECORD_ID)
            kept.update(zip(rows[RECORD_ID].to_pylist(), scanned, strict=True))
            if part_key is not None and not vault.read_only:
                stored = {row_id: asdict(outcome) for row_id, outcome in kept.items()}
                cache.put(RESIDUAL_CHECK, state.partition, part_key, {"records": stored})
        outcomes.extend((row_id, kept.get(row_id, RecordOutcome())) for row_id in wanted)
    result = replace(
        estimate_of(outcomes, check, population=population, columns=columns),
        partitions=len(chosen),
    )
    if key is not None and not vault.read_only:
        cache.put(RESIDUAL_CHECK, WHOLE, key, asdict(replace(result, partitions=0)))
    return result


def _kept_outcomes(cache: CheckCache, partition: str, key: str) -> dict[str, RecordOutcome]:
    """The sampled records' outcomes stored for ``partition`` under ``key`` (none: empty)."""
    found = cache.get(RESIDUAL_CHECK, partition, key)
    records = found.get("records") if found is not None else None
    if not isinstance(records, dict):
        return {}
    try:
        return {row_id: RecordOutcome(**outcome) for row_id, outcome in records.items()}
    except TypeError:  # an entry not of this shape: scanned again
        return {}


def residual_engine(spec: DatasetSpec) -> IsolatedEngine:
    """The residual check's engine: the dataset's detectors in ``full`` mode, run in the engine's
    check child (loaded in the worker, its models, ~500 MB, would sit beside the stages'
    batches)."""
    return IsolatedEngine(spec.pii.model_copy(update={"mode": "full"}))


def warm_check_child(spec: DatasetSpec) -> threading.Thread:
    """Start loading, in the process's check children, what the checks of ``spec``'s anonymized
    zone load at their first run (Great Expectations for its suites, the contract always among
    them, in the suites' child; the residual check's full engine in the engine's child), and
    return at once.

    For a worker that will run those checks after its stages (an in-process run): the children
    load on the other core while the stages run, instead of in the checks' own time (most of a
    small run's checks), each beside the other. A check's call waits for its child's loading to
    end (a child takes one call at a time). A load that fails is only logged here, by its
    type: the check that needs it raises it again. The thread returned ends when both loads
    have.
    """
    loads: list[Callable[[], None]] = [
        functools.partial(shared_child(SUITES).call, "vault_core.quality.validate:load")
    ]
    if spec.residual_pii is not None:
        loads.append(residual_engine(spec).load)

    def load(one: Callable[[], None]) -> None:
        try:
            one()
        except Exception as exc:  # raised again, with its message, by the check itself
            _log.info("warming the check child: %s; the check loads it", type(exc).__name__)

    def load_all() -> None:
        threads = [
            threading.Thread(target=load, args=(one,), name="vault-warm-check-child", daemon=True)
            for one in loads
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    thread = threading.Thread(target=load_all, name="vault-warm-check-children", daemon=True)
    thread.start()
    return thread
