"""Residual-PII estimate: run the full engine (NER included) on a seeded random sample of the
anonymized rows and estimate, per entity type, the share of records in which something is still
found, with a Wilson score interval.

Why a sample and the full engine: ``no_pii_left`` scans every row with the pattern recognizers
that did the anonymizing, so a name NER missed passes it. NER on every row would cost as much as
the findings stage again (about 5 CPU-s per MB here); a few hundred records bound the rate
tightly enough to gate on. The sample is the records whose ids' digests keyed by the seed come
first (Delta keeps no row order, and a sample drawn this way can be taken one partition at a
time): the same rows, size and seed give the same sample, and both are recorded.

Findings that lie inside a placeholder the policy wrote (``<TYPE>``, a token, a pseudonym: see
:mod:`vault_core.pii.placeholders`) are not residual PII: they are counted apart
(``placeholder_hits``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Protocol

import blake3
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from vault_core.pii.placeholders import PLACEHOLDER_RE
from vault_core.quality.suite import Severity

RESIDUAL_CHECK = "residual_pii"
ANY_TYPE = "ANY"


class TableDetector(Protocol):
    """What scans the sample: a :class:`~vault_core.pii.engine.PiiEngine`, or an
    :class:`~vault_core.pii.isolated.IsolatedEngine` that runs one in a child process."""

    def detect_table(self, table: pa.Table, *, text_columns: Sequence[str]) -> pa.Table:
        """Findings (``FINDINGS_SCHEMA``) of ``text_columns``, ids from ``record_id``."""
        ...


class ResidualPiiSpec(BaseModel):
    """How a dataset's residual-PII estimate is made and when it fails."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sample_size: int = Field(default=200, ge=1, le=1_000_000)
    """Records scanned (all of them when the table has fewer)."""

    seed: int = Field(default=0, ge=0)
    """Seed of the sample: the same seed on the same table version scans the same records."""

    max_rate: float = Field(default=0.05, ge=0.0, le=1.0)
    """The check fails when, for some entity type, the estimated share of records with a
    remaining finding exceeds this."""

    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Confidence level of the reported Wilson intervals."""

    severity: Severity = "WARN"
    """``ERROR`` blocks registration when the estimate is above ``max_rate``."""


def wilson_interval(hits: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``hits / n`` (``(0, 1)`` when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class RateEstimate:
    """Records of the sample with at least one finding of a type, and the rate's interval."""

    records: int
    rate: float
    low: float
    high: float


@dataclass(frozen=True)
class ResidualEstimate:
    """The estimate for one checked table version (counts and rates, never a value)."""

    population: int
    sample_size: int
    seed: int
    confidence: float
    max_rate: float
    by_type: dict[str, RateEstimate]
    findings_by_type: dict[str, int]
    placeholder_hits: int
    columns: list[str] = field(default_factory=list)
    partitions: int = 0
    """Partitions the sample was drawn from."""
    reused: bool = False
    """Taken from an earlier estimate of the same partition versions (see
    :mod:`vault_core.check_cache`), not computed again."""

    @property
    def exceeded(self) -> list[str]:
        """Entity types whose estimated rate is above ``max_rate``."""
        return sorted(
            t for t, e in self.by_type.items() if t != ANY_TYPE and e.rate > self.max_rate
        )

    @property
    def passed(self) -> bool:
        """No entity type above the threshold."""
        return not self.exceeded

    def metadata(self) -> dict[str, Any]:
        """What the asset check reports."""
        return {
            "population": self.population,
            "sample_size": self.sample_size,
            "seed": self.seed,
            "confidence": self.confidence,
            "max_rate": self.max_rate,
            "exceeded": self.exceeded,
            "rates": {
                kind: {
                    "records": e.records,
                    "rate": round(e.rate, 6),
                    "ci_low": round(e.low, 6),
                    "ci_high": round(e.high, 6),
                }
                for kind, e in sorted(self.by_type.items())
            },
            "findings_by_type": dict(sorted(self.findings_by_type.items())),
            "placeholder_hits": self.placeholder_hits,
            "columns_scanned": self.columns,
        }


def sample_keys(ids: pa.Array | pa.ChunkedArray, seed: int) -> np.ndarray:
    """Each record id's place in the sample of ``seed``: the first 8 bytes of its BLAKE3 digest
    keyed by the seed, as unsigned integers (a stable, uniform order unrelated to the ids')."""
    key = blake3.blake3(f"vault residual sample {seed}".encode()).digest()
    # The ids' UTF-8 bytes straight from Arrow, the digests read as little-endian integers in one
    # go: the same keys, without a str, an encode and an int per id (~1.4x on a day's ids).
    values = pc.cast(ids, pa.large_binary())
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    digests = b"".join(
        [blake3.blake3(value, key=key).digest(length=8) for value in values.to_pylist()]
    )
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def smallest(table: pa.Table, size: int, seed: int, id_column: str) -> pa.Table:
    """The ``size`` rows of ``table`` whose ids come first in the sample of ``seed`` (see
    :func:`sample_keys`), ordered by id: the seeded sample without replacement. The sample of
    the union of tables is the sample of their samples, so it is drawn one partition at a time
    in memory bounded by a partition's ids."""
    if table.num_rows <= size:
        chosen = np.arange(table.num_rows)
    else:
        keys = sample_keys(table.column(id_column), seed)
        kth = np.partition(keys, size - 1)[size - 1]
        candidates = np.flatnonzero(keys <= kth)
        # Ties (equal 64-bit keys) broken by id, whatever the storage order.
        ids = table.column(id_column).take(pa.array(candidates)).to_pylist()
        order = sorted(range(len(candidates)), key=lambda i: (int(keys[candidates[i]]), ids[i]))
        chosen = candidates[order[:size]]
    picked = table.take(pa.array(chosen, type=pa.int64()))
    return picked.take(pc.sort_indices(picked, sort_keys=[(id_column, "ascending")]))


def sample_rows(table: pa.Table, size: int, seed: int, id_column: str) -> pa.Table:
    """``size`` rows of ``table`` drawn without replacement under ``seed``: the rows whose keyed
    digests of their id come first (:func:`smallest`), so neither the storage order nor the
    partitions the rows are read in change the sample."""
    return smallest(table, size, seed, id_column)


@dataclass(frozen=True)
class RecordOutcome:
    """What the scan of one sampled record found: findings per entity type (placeholders
    aside) and findings inside placeholders. Counts only, never a value."""

    findings: dict[str, int] = field(default_factory=dict)
    placeholders: int = 0


def estimate(
    table: pa.Table,
    columns: list[str],
    engine: TableDetector,
    spec: ResidualPiiSpec,
    *,
    id_column: str = "record_id",
    population: int | None = None,
) -> ResidualEstimate:
    """Scan a sample of ``table``'s ``columns`` (as text) with ``engine`` and estimate the rate
    of records with a remaining finding, per entity type and for any type.

    ``population``: the number of rows the sample stands for, when ``table`` is already the
    sample (drawn with :func:`sample_rows` from the record ids alone, to read few rows).
    """
    sample = sample_rows(
        table.select([id_column, *columns]), spec.sample_size, spec.seed, id_column
    )
    outcomes = record_outcomes(sample, columns, engine, id_column=id_column)
    return estimate_of(
        list(zip(sample.column(id_column).to_pylist(), outcomes, strict=True)),
        spec,
        population=table.num_rows if population is None else population,
        columns=columns,
    )


def record_outcomes(
    sample: pa.Table, columns: list[str], engine: TableDetector, *, id_column: str = "record_id"
) -> list[RecordOutcome]:
    """What ``engine`` finds in each row of ``sample`` (its ``columns`` as text), in row order.
    A cell's findings depend on its text and column alone, so a row's outcome does not depend
    on the rows scanned with it (in ``full`` mode up to NER's batching, which moves a rare
    borderline entity from run to run as BLAS threads do)."""
    text = pa.table(
        {
            id_column: sample.column(id_column),
            **{name: pc.cast(sample.column(name), pa.string()) for name in columns},
        }
    )
    found = engine.detect_table(text, text_columns=columns) if columns else None
    ids = text.column(id_column).to_pylist()
    findings: dict[str, Counter[str]] = {row_id: Counter() for row_id in ids}
    placeholders: Counter[str] = Counter()
    if found is not None and found.num_rows:
        cells = {
            (row_id, name): value
            for name in columns
            for row_id, value in zip(ids, text.column(name).to_pylist(), strict=True)
        }
        for row_id, name, start, end, kind in zip(
            *(found.column(c).to_pylist() for c in ("record_id", "column", "start", "end")),
            found.column("entity_type").to_pylist(),
            strict=True,
        ):
            if _in_placeholder(cells.get((row_id, name)) or "", start, end):
                placeholders[row_id] += 1
            else:
                findings[row_id][kind] += 1
    # Findings name record ids, not rows: a record id held by two rows of the sample (sent on
    # two days) carries its findings on its first row.
    outcomes = []
    for row_id in ids:
        counts = findings.pop(row_id, None)
        if counts is None:  # a later row of the same record id
            outcomes.append(RecordOutcome())
        else:
            outcomes.append(RecordOutcome(dict(counts), placeholders[row_id]))
    return outcomes


def estimate_of(
    outcomes: Sequence[tuple[str, RecordOutcome]],
    spec: ResidualPiiSpec,
    *,
    population: int,
    columns: list[str],
) -> ResidualEstimate:
    """The estimate of a sample from its records' outcomes (``(record id, outcome)``, one per
    sampled row; a record id sent on two days counts once among the records found)."""
    records: dict[str, set[str]] = {}
    findings: Counter[str] = Counter()
    placeholders = 0
    for row_id, outcome in outcomes:
        placeholders += outcome.placeholders
        for kind, count in outcome.findings.items():
            findings[kind] += count
            records.setdefault(kind, set()).add(row_id)
            records.setdefault(ANY_TYPE, set()).add(row_id)
    n = len(outcomes)
    by_type = {}
    for kind in sorted({ANY_TYPE, *records}):
        hits = len(records.get(kind, ()))
        low, high = wilson_interval(hits, n, spec.confidence)
        by_type[kind] = RateEstimate(hits, hits / n if n else 0.0, low, high)
    return ResidualEstimate(
        population=population,
        sample_size=n,
        seed=spec.seed,
        confidence=spec.confidence,
        max_rate=spec.max_rate,
        by_type=by_type,
        findings_by_type=dict(findings),
        placeholder_hits=placeholders,
        columns=list(columns),
    )


def _in_placeholder(text: str, start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of the placeholders of ``text``."""
    return any(m.start() <= start and end <= m.end() for m in PLACEHOLDER_RE.finditer(text))
