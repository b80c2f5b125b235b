"""Findings matched to a table's cells and merged into disjoint spans, as NumPy arrays.

:func:`~vault_core.pii.finding.group_findings` and :func:`~vault_core.pii.anonymize.merge_findings`
do the same finding by finding with a Python object each; on a day of tickets (hundreds of
thousands of findings per batch) that was most of the anonymized stage's time (issue 13). Here
the findings stay columns: validated, matched to rows and merged with Arrow and NumPy, so that
the only per-span Python left is splicing the replacement into the text. The results are the
same as those functions' (tested against them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.exceptions import ColumnNotFoundError, InvalidFindingError, PiiError
from vault_core.pii.finding import FINDINGS_SCHEMA

Ints = npt.NDArray[np.int64]


def _codes(values: pa.ChunkedArray | pa.Array) -> tuple[Ints, list[str]]:
    """Dictionary codes of a string column and the strings they stand for."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(array)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, [str(value) for value in encoded.dictionary.to_pylist()]


def _rounded_scores(values: pa.ChunkedArray) -> npt.NDArray[np.float64]:
    # group_findings rounds each float32 score to 6 decimals (the value that was written) and
    # merging compares those: round the few distinct scores the same way, with Python's round.
    scores = pc.cast(values, pa.float64()).to_numpy()
    distinct, inverse = np.unique(scores, return_inverse=True)
    rounded = np.array([round(float(value), 6) for value in distinct], dtype=np.float64)
    return rounded[inverse.reshape(-1)]


@dataclass(frozen=True)
class FindingColumns:
    """A findings table as arrays, in table order (what :func:`finding_columns` returns)."""

    record_id: pa.Array
    """Record ids as strings."""
    column: Ints
    """Codes into :attr:`column_names`."""
    column_names: list[str]
    start: Ints
    end: Ints
    entity: Ints
    """Codes into :attr:`entity_names`."""
    entity_names: list[str]
    score: npt.NDArray[np.float64]
    """Scores rounded as :func:`~vault_core.pii.finding.group_findings` rounds them."""

    @property
    def size(self) -> int:
        """Number of findings."""
        return len(self.start)

    def column_code(self, name: str) -> int | None:
        """The code of column ``name``, or None when no finding is in it."""
        try:
            return self.column_names.index(name)
        except ValueError:
            return None


def finding_columns(findings: pa.Table) -> FindingColumns:
    """Validate a findings table and return its columns as arrays.

    Raises:
        ColumnNotFoundError: If the table lacks a column of :data:`FINDINGS_SCHEMA`.
        InvalidFindingError: If a finding's offsets do not satisfy ``0 <= start < end`` (the
            first such finding in table order is reported).
        PiiError: If a column the anonymizer reads holds nulls.
    """
    for name in FINDINGS_SCHEMA.names:
        if name not in findings.column_names:
            raise ColumnNotFoundError(
                f"findings table lacks column {name!r}; it must follow FINDINGS_SCHEMA",
                column=name,
                available=list(findings.column_names),
            )
    for name in ("record_id", "column", "start", "end", "entity_type", "score"):
        nulls = findings.column(name).null_count
        if nulls:
            raise PiiError(
                f"findings table has {nulls} null values in column {name!r}; every finding "
                "needs a record id, column, offsets, entity type and score"
            )
    start = pc.cast(findings.column("start"), pa.int64()).to_numpy()
    end = pc.cast(findings.column("end"), pa.int64()).to_numpy()
    bad = np.flatnonzero((start < 0) | (start >= end))
    if len(bad):
        first = int(bad[0])
        raise InvalidFindingError(
            f"finding offsets must satisfy 0 <= start < end, got start={start[first]} "
            f"end={end[first]}",
            start=int(start[first]),
            end=int(end[first]),
        )
    record_id = findings.column("record_id")
    if pa.types.is_dictionary(record_id.type):
        record_id = record_id.cast(record_id.type.value_type)
    record_id = pc.cast(record_id, pa.string()).combine_chunks()
    column, column_names = _codes(findings.column("column"))
    entity, entity_names = _codes(findings.column("entity_type"))
    return FindingColumns(
        record_id, column, column_names, start, end, entity, entity_names,
        _rounded_scores(findings.column("score")),
    )  # fmt: skip


def match_rows(ids: pa.Array, record_id: pa.Array) -> tuple[Ints, Ints]:
    """``(finding, row)`` index pairs of findings whose record id is a row's id.

    ``ids`` are the table's record ids (strings, no nulls). A finding matches every row that has
    its id (rows sharing an id share their findings); findings of ids not in the table match
    nothing. Pairs come in no particular order.
    """
    if len(ids) == 0 or len(record_id) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if pc.count_distinct(ids).as_py() == len(ids):
        first_row = pc.index_in(record_id, value_set=ids)
        found = np.flatnonzero(pc.is_valid(first_row).to_numpy(zero_copy_only=False))
        rows = pc.take(first_row, pa.array(found)).to_numpy(zero_copy_only=False)
        return found.astype(np.int64), rows.astype(np.int64)
    left = pa.table({"id": record_id, "finding": pa.array(np.arange(len(record_id)))})
    right = pa.table({"id": ids, "row": pa.array(np.arange(len(ids)))})
    joined = left.join(right, "id", join_type="inner")
    return (
        joined.column("finding").to_numpy().astype(np.int64),
        joined.column("row").to_numpy().astype(np.int64),
    )


@dataclass(frozen=True)
class MergedSpans:
    """Disjoint spans per cell of one column, ordered by row then start.

    Cell ``k`` (row ``rows[k]``) holds spans ``bounds[k]:bounds[k + 1]``.
    """

    rows: Ints
    bounds: Ints
    start: Ints
    end: Ints
    entity: Ints
    """Entity code of each span: that of its best member."""


def merge_cells(findings: FindingColumns, which: Ints, rows: Ints) -> MergedSpans:
    """Merge the findings ``which`` (indices into ``findings``), found in cells ``rows`` (one row
    per finding), into disjoint spans per cell, as :func:`~vault_core.pii.anonymize.merge_findings`
    does for one cell: overlapping spans become their union, which takes the entity type of the
    member with the highest score (then the longest, then the first by start, end and table
    order); touching spans stay separate."""
    start, end = findings.start[which], findings.end[which]
    if not _in_order(rows, start, end, which):  # the engine's findings usually are
        order = np.lexsort((which, end, start, rows))
        which, rows, start, end = which[order], rows[order], start[order], end[order]
    count = len(which)
    if count == 0:
        empty = np.empty(0, np.int64)
        return MergedSpans(empty, np.zeros(1, np.int64), empty, empty, empty)
    # Running maximum of the ends within each cell: rows are sorted, so shifting each end by
    # its row times a bound on every offset keeps one cell's maximum from reaching the next.
    shift = int(end.max()) + 1
    running = np.maximum.accumulate(rows * shift + end) - rows * shift
    new_cell = np.ones(count, bool)
    new_cell[1:] = rows[1:] != rows[:-1]
    new_span = new_cell.copy()
    new_span[1:] |= start[1:] >= running[:-1]
    span_of = np.cumsum(new_span) - 1
    firsts = np.flatnonzero(new_span)
    merged_end = np.maximum.reduceat(end, firsts)
    # The best member: highest score, then longest, then first in the order above. Only spans
    # of several members are sorted (most spans are one finding).
    best = firsts.copy()
    several = np.flatnonzero(np.diff(np.r_[firsts, count]) > 1)
    if len(several):
        members = np.flatnonzero(np.isin(span_of, several))
        score = findings.score[which[members]]
        length = (end - start)[members]
        best_order = members[np.lexsort((members, -length, -score, span_of[members]))]
        ranked = span_of[best_order]
        best[several] = best_order[np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])]
    cell_firsts = np.flatnonzero(new_cell[firsts])
    return MergedSpans(
        rows=rows[firsts][cell_firsts],
        bounds=np.r_[cell_firsts, len(firsts)].astype(np.int64),
        start=start[firsts],
        end=merged_end,
        entity=findings.entity[which[best]],
    )


def _in_order(rows: Ints, start: Ints, end: Ints, which: Ints) -> bool:
    """Whether ``(rows, start, end, which)`` is already in lexicographic order, i.e. the stable
    sort on those keys would leave it as it is."""
    if len(rows) < 2:
        return True
    keys = (rows, start, end, which)
    ordered = np.zeros(len(rows) - 1, bool)
    tied = np.ones(len(rows) - 1, bool)
    for key in keys:
        step = np.diff(key)
        ordered |= tied & (step > 0)
        tied &= step == 0
        if bool((~ordered & ~tied).any()):  # some pair decreases on this key and ties before
            return False
    return True
