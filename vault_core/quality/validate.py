"""Run an expectation suite with Great Expectations 1.x on a pandas frame and keep what may be
shown: per expectation its success, counts and observed statistics, never a row value.

Great Expectations is imported here, on first use (it costs seconds), and runs in an ephemeral
context (nothing written to disk) on a pandas datasource whose batch is the frame given: the
rows of one Delta partition at the version that was checked.

What is kept of a result: the counts (``element_count``, ``unexpected_count``,
``missing_count`` and their percentages) and ``observed_value`` only for expectations whose
observed value is a statistic (a row count, a mean, a type name, a proportion). A minimum, a
maximum, a median, a most common value or a set of distinct values *is* a row value: withheld,
like ``partial_unexpected_list`` and exception messages (both may quote data).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vault_core.quality.exceptions import SuiteDefinitionError
from vault_core.quality.suite import ExpectationSuiteSpec

COUNT_KEYS = (
    "element_count",
    "unexpected_count",
    "missing_count",
)
STATISTIC_EXPECTATIONS = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
        "expect_column_mean_to_be_between",
        "expect_column_stdev_to_be_between",
        "expect_column_proportion_of_unique_values_to_be_between",
        "expect_column_proportion_of_non_null_values_to_be_between",
        "expect_column_unique_value_count_to_be_between",
    }
)
"""Expectations whose ``observed_value`` is a statistic (or a type name), not a row value."""
_SUMMED = frozenset({"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"})
_lock = threading.Lock()


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, value-free."""

    type: str
    column: str | None
    success: bool
    counts: dict[str, int] = field(default_factory=dict)
    observed: float | int | str | None = None
    """The observed statistic (None when withheld or when several partitions differ)."""
    raised: bool = False
    """Great Expectations raised while evaluating it (its message is not shown)."""

    @property
    def unexpected_percent(self) -> float | None:
        """Share of the non-missing values that failed, in percent."""
        total = self.counts.get("element_count", 0) - self.counts.get("missing_count", 0)
        if "unexpected_count" not in self.counts or total <= 0:
            return None
        return 100.0 * self.counts["unexpected_count"] / total

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for check metadata)."""
        found = {k: v for k, v in asdict(self).items() if v not in (None, {}, False)}
        found["success"] = self.success
        if (percent := self.unexpected_percent) is not None:
            found["unexpected_percent"] = round(percent, 4)
        return found


@dataclass(frozen=True)
class SuiteResult:
    """A suite's outcome over the partitions checked."""

    suite: str
    severity: str
    outcomes: list[ExpectationOutcome]
    rows: int
    partitions: list[str] = field(default_factory=list)
    reused: int = 0
    """How many of ``partitions`` had their outcome taken from an earlier validation of the
    same data (see :mod:`vault_core.check_cache`) rather than validated again."""

    @property
    def success(self) -> bool:
        """Every expectation passed."""
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> list[str]:
        """``type(column)`` of each failed expectation."""
        return [
            f"{o.type}({o.column})" if o.column else o.type for o in self.outcomes if not o.success
        ]

    def metadata(self) -> dict[str, Any]:
        """What an asset check reports (counts and statistics only)."""
        return {
            "suite": self.suite,
            "severity": self.severity,
            "rows": self.rows,
            "partitions": len(self.partitions),
            "evaluated_expectations": len(self.outcomes),
            "successful_expectations": sum(o.success for o in self.outcomes),
            "failed_expectations": self.failed,
            "expectations": [o.as_dict() for o in self.outcomes],
        }


def load() -> None:
    """Import Great Expectations and open its context now (several CPU-seconds, most of a
    small partition's validation), ahead of the first validation."""
    _context()


def _context() -> Any:
    import great_expectations as gx

    return gx.get_context(mode="ephemeral")


def _suite(gx: Any, spec: ExpectationSuiteSpec) -> Any:
    from great_expectations.expectations.registry import get_expectation_impl

    expectations = []
    for number, config in enumerate(spec.expectations):
        try:
            kind = get_expectation_impl(config["type"])
            kwargs = {**config["kwargs"], **{k: v for k, v in config.items() if k == "meta"}}
            if "severity" in config:
                kwargs["severity"] = config["severity"]
            expectations.append(kind(**kwargs))
        except Exception as exc:
            # The arguments are the suite's own (code, not data): the message may show them.
            raise SuiteDefinitionError(
                spec.name, f"expectation {number} ({config['type']}): {exc}"
            ) from None
    return gx.ExpectationSuite(name=spec.name, expectations=expectations)


@contextlib.contextmanager
def _no_fingerprint() -> Iterator[None]:
    """Great Expectations without its batch fingerprint while a suite runs here.

    Its pandas engine hashes every frame under ``HASH_THRESHOLD`` (1e9 bytes of shallow
    ``memory_usage``, i.e. every partition we check) with ``pd.util.hash_pandas_object`` into a
    batch marker. That hash materialized each string cell as a Python object: +200-250 MB of
    peak RSS per 100 MB partition (83 MB of Arrow), more than the whole suite's own work, for a
    marker no outcome uses (see :func:`_outcome`). The threshold is a module global read at each
    batch load: it is 0 (never hash) while our validation runs and restored after it (the lock
    keeps our validations apart; another user of Great Expectations in this process keeps its
    fingerprints outside them).
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    threshold = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = threshold


def validate_frame(spec: ExpectationSuiteSpec, frame: Any) -> list[ExpectationOutcome]:
    """Run ``spec`` on one pandas frame; outcomes in the suite's order."""
    import great_expectations as gx

    # the ephemeral context's stores are not thread-safe
    with _lock, _no_fingerprint():
        context = _context()
        source = context.data_sources.add_pandas("vault")
        try:
            batch = source.add_dataframe_asset("anonymized").add_batch_definition_whole_dataframe(
                "partition"
            )
            suite = context.suites.add(_suite(gx, spec))
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
            )
            result = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
        finally:
            # Great Expectations keeps the context as its current project, and the data source
            # keeps the last batch: without this a partition's frame (~2x its Arrow size) stayed
            # in memory until the next validation, i.e. beside the next partition's frame.
            context.data_sources.delete("vault")
    # Results come back in the suite's order (ids assigned by the suite, one per expectation).
    by_id = {r.expectation_config.id: r for r in result.results}
    return [_outcome(by_id[e.id]) for e in suite.expectations]


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    counts = {k: int(details[k]) for k in COUNT_KEYS if details.get(k) is not None}
    observed = details.get("observed_value") if config.type in STATISTIC_EXPECTATIONS else None
    raised = bool((result.exception_info or {}).get("raised_exception"))
    return ExpectationOutcome(
        type=config.type,
        column=config.kwargs.get("column"),
        success=bool(result.success),
        counts=counts,
        observed=_statistic(observed),
        raised=raised,
    )


def _statistic(value: Any) -> float | int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str)):
        return value
    try:  # numpy scalars
        number = value.item()
    except AttributeError:
        return None
    return number if isinstance(number, (int, float)) else None


_TYPE_LIST = "expect_column_values_to_be_in_type_list"


def _typed_per_value(spec: ExpectationSuiteSpec, frame: Any) -> Any:
    """``frame`` with the text columns that ``spec``'s type-list expectations name as Python
    objects.

    On any dtype but ``object`` Great Expectations compares the column's dtype with the dtypes
    it builds from the list's names, and no name builds pandas 3's ``str`` dtype (a
    ``StringDtype`` whose missing value is NaN): ``["str"]`` failed on every text column. On an
    ``object`` column it checks each value's Python type, as on pandas 2's text columns. The
    Python string per cell is paid only for the columns such an expectation names.
    """
    import pandas as pd

    named = {e["kwargs"].get("column") for e in spec.expectations if e["type"] == _TYPE_LIST}
    for column in sorted(named.intersection(frame.columns)):
        if isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].astype(object)
    return frame


def merge(
    spec: ExpectationSuiteSpec, parts: Sequence[tuple[str, int, list[ExpectationOutcome]]]
) -> SuiteResult:
    """One result from each partition's (partition, rows, outcomes): an expectation passes when
    it passed everywhere, counts add up, row counts add up, other statistics are kept only
    when there is one partition."""
    outcomes: list[ExpectationOutcome] = []
    for number in range(len(spec.expectations)):
        each = [part[2][number] for part in parts]
        first = each[0]
        counts: dict[str, int] = {}
        for outcome in each:
            for key, value in outcome.counts.items():
                counts[key] = counts.get(key, 0) + value
        observed = first.observed
        if len(each) > 1:
            numbers = [o.observed for o in each if isinstance(o.observed, int)]
            observed = sum(numbers) if first.type in _SUMMED and len(numbers) == len(each) else None
        outcomes.append(
            ExpectationOutcome(
                type=first.type,
                column=first.column,
                success=all(o.success for o in each),
                counts=counts,
                observed=observed,
                raised=any(o.raised for o in each),
            )
        )
    return SuiteResult(
        suite=spec.name,
        severity=spec.severity,
        outcomes=outcomes,
        rows=sum(part[1] for part in parts),
        partitions=[part[0] for part in parts],
    )


def validate_table(spec: ExpectationSuiteSpec, table: Any) -> list[ExpectationOutcome]:
    """:func:`validate_frame` of an Arrow table, made a pandas frame here (what the check child
    runs, see :mod:`vault_core.child_process`: the frame and Great Expectations' caches stay in
    it).

    The frame is pandas' own conversion: with pandas 3 its text columns are the ``str`` dtype,
    backed by the table's Arrow buffers (a new offsets buffer per column, ~14 MB for a 91 MB
    partition; no Python object per cell), and each expectation counts as on Python strings
    (tested). Only ``expect_column_values_to_be_of_type`` reports differently: it compares the
    column's dtype (observed ``"str"``) instead of checking each value. Every column is
    converted, named by an expectation or not: at that cost, choosing columns would save little
    and would need the table-level expectations' columns handled apart. A text column named by
    ``expect_column_values_to_be_in_type_list`` is the exception (see :func:`_typed_per_value`).
    """
    frame = _typed_per_value(spec, table.to_pandas())
    try:
        return validate_frame(spec, frame)
    finally:
        del frame
        # Great Expectations' batch data and execution engine hold the frame in a reference
        # cycle (~95 MB per 100 MB partition), freed only by a full collection: a process
        # validating partitions one after the other kept it beside the next one. Collected
        # once per frame (tens of ms beside the validation's seconds).
        gc.collect()
