"""Apply a policy to texts and tables given their findings; report counts, never values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii._cell_spans import FindingColumns, finding_columns, match_rows, merge_cells
from vault_core.pii._splice import CellBytes
from vault_core.pii.exceptions import (
    ColumnNotFoundError,
    InvalidFindingError,
    MissingKeyError,
    PiiError,
)
from vault_core.pii.finding import Finding
from vault_core.pii.kanon import KAnonymityReport, apply_k_anonymity
from vault_core.pii.keys import CachedKeys, KeyResolver
from vault_core.pii.operators import (
    KEYED_KINDS,
    Operator,
    Redact,
    ReplaceWithType,
    apply_operator,
)
from vault_core.pii.policy import Policy

logger = logging.getLogger(__name__)


@dataclass
class PolicyReport:
    """What a policy did to a table: counts only, never values.

    Attributes:
        policy: Name of the policy applied.
        actions: ``{entity_type: {operator_kind: count}}``, one count per rewritten span
            (after overlapping findings were merged).
        policy_digest: :meth:`Policy.digest` of the policy applied.
        cells_rewritten: Number of cells whose value changed.
        by_column: ``{column: {entity_type: {operator_kind: count}}}``, the same counts per
            column.
        k_anonymity: What the policy's k-anonymity step did, when it has one.
    """

    policy: str
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    policy_digest: str = ""
    cells_rewritten: int = 0
    by_column: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    k_anonymity: KAnonymityReport | None = None

    def add(
        self, entity_type: str, operator_kind: str, count: int = 1, *, column: str | None = None
    ) -> None:
        """Count ``count`` spans of ``entity_type`` rewritten by an operator of that kind."""
        by_kind = self.actions.setdefault(entity_type, {})
        by_kind[operator_kind] = by_kind.get(operator_kind, 0) + count
        if column is not None:
            in_column = self.by_column.setdefault(column, {}).setdefault(entity_type, {})
            in_column[operator_kind] = in_column.get(operator_kind, 0) + count

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary for run metadata: names and counts only, never a value."""
        summary: dict[str, object] = {
            "policy": self.policy,
            "policy_digest": self.policy_digest,
            "spans_rewritten": self.total,
            "cells_rewritten": self.cells_rewritten,
            "actions": self.actions,
            "by_column": self.by_column,
        }
        if self.k_anonymity is not None:
            summary["k_anonymity"] = {
                "k_required": self.k_anonymity.k_required,
                "k_reached": self.k_anonymity.k_reached,
                "rows_suppressed": self.k_anonymity.rows_suppressed,
                "classes": self.k_anonymity.classes,
                "levels": self.k_anonymity.levels,
            }
        return summary

    @property
    def total(self) -> int:
        """Number of spans rewritten."""
        return sum(sum(by_kind.values()) for by_kind in self.actions.values())

    def counts_by_entity(self) -> dict[str, int]:
        """Spans rewritten per entity type, whatever the operator."""
        return {entity: sum(by_kind.values()) for entity, by_kind in sorted(self.actions.items())}


def merge_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Merge overlapping findings into disjoint spans sorted by start.

    A merged span is the union of the overlapping spans; it takes the entity type, score and
    detector of the member with the highest score (then the longest, then the first).
    Touching spans (one ends where the next starts) stay separate.
    """
    if not findings:
        return []
    ordered = sorted(findings, key=lambda f: (f.start, f.end))
    merged: list[Finding] = []
    group_start = ordered[0].start
    group_end = ordered[0].end
    best = ordered[0]
    for finding in ordered[1:]:
        if finding.start < group_end:
            group_end = max(group_end, finding.end)
            if (finding.score, finding.length) > (best.score, best.length):
                best = finding
            continue
        merged.append(Finding(group_start, group_end, best.entity_type, best.score, best.detector))
        group_start, group_end, best = finding.start, finding.end, finding
    merged.append(Finding(group_start, group_end, best.entity_type, best.score, best.detector))
    return merged


def _check_bounds(text_length: int, findings: Sequence[Finding]) -> None:
    for finding in findings:
        if finding.end > text_length:
            raise InvalidFindingError(
                f"finding [{finding.start}, {finding.end}) of type {finding.entity_type} lies "
                f"outside a text of {text_length} characters; were the findings computed on "
                "another version of the text?",
                start=finding.start,
                end=finding.end,
                text_length=text_length,
            )


def _rewrite(
    text: str,
    merged: Sequence[Finding],
    operator_for: Callable[[str], Operator],
    report: PolicyReport | None,
    keys: KeyResolver | None = None,
    column: str | None = None,
) -> str:
    # Building from left-to-right slices gives the same result as replacing right-to-left
    # (offsets always refer to the original text) in linear time.
    pieces: list[str] = []
    cursor = 0
    for span in merged:
        op = operator_for(span.entity_type)
        pieces.append(text[cursor : span.start])
        pieces.append(apply_operator(op, text[span.start : span.end], span.entity_type, keys=keys))
        cursor = span.end
        if report is not None:
            report.add(span.entity_type, op.kind, column=column)
    pieces.append(text[cursor:])
    return "".join(pieces)


def anonymize_text(
    text: str,
    findings: Sequence[Finding],
    operator_for: Callable[[str], Operator],
    *,
    keys: KeyResolver | None = None,
) -> str:
    """Rewrite every finding of ``text`` with the operator ``operator_for(entity_type)`` picks.

    Overlapping findings are merged first (see :func:`merge_findings`); offsets refer to
    ``text`` as given, so the spans are applied as if right to left. ``keys`` resolves the keys
    of keyed operators (token, surrogate, pseudonym), e.g. ``vault.keyring.derive_subkey``.

    Raises:
        InvalidFindingError: If a finding lies outside ``text``.
        MissingKeyError: If a keyed operator is applied and ``keys`` is ``None``.
    """
    _check_bounds(len(text), findings)
    return _rewrite(text, merge_findings(findings), operator_for, None, CachedKeys(keys))


def _require_keys(policy: Policy, columns: Sequence[str], keys: KeyResolver | None) -> None:
    if keys is not None:
        return
    operators = [policy.default, *policy.entities.values()]
    operators += [op for name, op in policy.columns.items() if name in columns]
    keyed = sorted({op.kind for op in operators if op.kind in KEYED_KINDS})
    if keyed:
        raise MissingKeyError(
            f"policy {policy.name!r} uses keyed operators {keyed} but no key resolver was "
            "given; pass keys=vault.keyring.derive_subkey to anonymize_table",
            purpose=f"vault/pii/{keyed[0]}",
        )


def _require_columns(table: pa.Table, names: Sequence[str]) -> None:
    for name in names:
        if name not in table.column_names:
            raise ColumnNotFoundError(
                f"table has no column {name!r}",
                column=name,
                available=list(table.column_names),
            )


def _text_values(column: pa.ChunkedArray) -> tuple[pa.Array, pa.DataType]:
    """Return the column's values as one array and the type to rebuild it with."""
    value_type = column.type
    if pa.types.is_dictionary(value_type):
        value_type = value_type.value_type
        column = column.cast(value_type)
    return column.combine_chunks(), value_type


def _is_text_type(data_type: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    )


def anonymize_table(
    table: pa.Table,
    findings: pa.Table,
    policy: Policy,
    *,
    columns: Sequence[str],
    id_column: str = "record_id",
    keys: KeyResolver | None = None,
) -> tuple[pa.Table, PolicyReport]:
    """Apply ``policy`` to the listed ``columns`` of ``table`` using its ``findings``.

    Other columns and the row order are unchanged. Findings are matched to rows by
    ``id_column`` (rows sharing an id get the same rewrite: ids are content digests). When the
    policy has a ``k_anonymity`` step it runs last: its quasi-identifier columns may be
    generalized (to strings) and rows it suppresses are removed; otherwise the row count is kept.

    Args:
        table: The clear table.
        findings: A :data:`~vault_core.pii.finding.FINDINGS_SCHEMA` table for ``table``.
        policy: The policy choosing an operator per column and entity type.
        columns: The columns to rewrite; findings in other columns are ignored.
        id_column: The column holding record ids.
        keys: Resolves the keys of keyed operators (token, surrogate, pseudonym) by purpose,
            e.g. ``vault.keyring.derive_subkey``; never stored in the policy.

    Returns:
        The rewritten table and a :class:`PolicyReport` of what was done.

    Raises:
        ColumnNotFoundError: If ``id_column`` or one of ``columns`` is missing.
        InvalidFindingError: If a finding lies outside its cell.
        PiiError: If the id column has nulls while there are findings.
        MissingKeyError: If the policy has keyed operators and ``keys`` is ``None``.
        KAnonymityError: If a quasi-identifier column is missing.
    """
    _require_columns(table, [id_column, *columns])
    _require_keys(policy, columns, keys)
    result, report = _apply_operators(table, findings, policy, columns, id_column, keys)
    if policy.k_anonymity is not None:
        result, report.k_anonymity = apply_k_anonymity(result, policy.k_anonymity)
        logger.info(
            "k-anonymity: k=%d reached %d, %d rows suppressed",
            report.k_anonymity.k_required,
            report.k_anonymity.k_reached,
            report.k_anonymity.rows_suppressed,
        )
    return result, report


def _apply_operators(
    table: pa.Table,
    findings: pa.Table,
    policy: Policy,
    columns: Sequence[str],
    id_column: str,
    keys: KeyResolver | None,
) -> tuple[pa.Table, PolicyReport]:
    # Findings stay Arrow/NumPy columns (vault_core.pii._cell_spans) and spans are spliced on
    # the cells' bytes (vault_core.pii._splice): a Python object per finding and a Python loop
    # per span were most of the anonymized stage's time (issue 13). The results are those of
    # group_findings + merge_findings cell by cell (test_anonymize_table_equivalence).
    report = PolicyReport(policy=policy.name, policy_digest=policy.digest())
    spans = finding_columns(findings)
    listed = [code for code, name in enumerate(spans.column_names) if name in set(columns)]
    in_listed = np.isin(spans.column, listed)
    ignored = int(np.count_nonzero(~in_listed))
    if ignored:
        other_columns = sorted(
            spans.column_names[code] for code in np.unique(spans.column[~in_listed])
        )
        logger.warning(
            "%d findings in columns not listed for anonymization were left as is: %s",
            ignored,
            other_columns,
        )
    if spans.size == 0 or not columns:
        return table, report

    id_array = table.column(id_column)
    if id_array.null_count:
        raise PiiError(
            f"id column {id_column!r} has {id_array.null_count} null values; every row needs "
            "a record id to match its findings"
        )
    ids = pc.cast(id_array, pa.string()).combine_chunks()
    which, rows = match_rows(ids, spans.record_id)

    cached_keys = CachedKeys(keys)
    result = table
    for column in columns:
        code = spans.column_code(column)
        if code is None:
            continue
        values, value_type = _text_values(table.column(column))
        if not _is_text_type(value_type):
            logger.warning(
                "column %r has type %s and cannot hold text; its findings were ignored",
                column,
                value_type,
            )
            continue
        in_column = spans.column[which] == code
        rewritten = _rewrite_column(
            values, which[in_column], rows[in_column], spans, column, policy, report, cached_keys
        )
        index = result.schema.get_field_index(column)
        new_field = result.schema.field(index).with_type(value_type)
        result = result.set_column(index, new_field, rewritten)
    return result, report


def _rewrite_column(
    values: pa.Array,
    which: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    spans: FindingColumns,
    column: str,
    policy: Policy,
    report: PolicyReport,
    keys: CachedKeys,
) -> pa.Array:
    """``values`` with the findings ``which`` (one per entry of ``rows``) rewritten; only the
    cells with findings go through Python, the others stay as they are."""
    value_type = values.type
    if pa.types.is_string_view(value_type):  # Arrow's take and utf8_length lack view kernels
        values = values.cast(pa.large_string())
    cells = np.unique(rows)
    texts = values.take(pa.array(cells))
    is_null = texts.is_null().to_numpy(zero_copy_only=False)
    if is_null.any():
        logger.warning(
            "%d empty cells of column %r had findings; skipped", int(is_null.sum()), column
        )
        cells, texts = cells[~is_null], texts.filter(pa.array(~is_null))
        keep = np.isin(rows, cells)
        which, rows = which[keep], rows[keep]
    lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    outside = np.flatnonzero(spans.end[which] > lengths[np.searchsorted(cells, rows)])
    if len(outside):
        # The first in the order the cells are visited (by row), then in table order.
        first = outside[np.lexsort((which[outside], rows[outside]))[0]]
        finding, length = int(which[first]), int(lengths[np.searchsorted(cells, rows[first])])
        _check_bounds(
            length,
            [
                Finding(
                    int(spans.start[finding]),
                    int(spans.end[finding]),
                    spans.entity_names[spans.entity[finding]],
                    float(spans.score[finding]),
                    "",
                )
            ],
        )
    merged = merge_cells(spans, which, rows)

    # One operator per entity type of the column; a fixed text for the operators that do not
    # depend on the value, None (computed span by span) for the others.
    operators: dict[int, Operator] = {}
    fixed: dict[int, bytes | None] = {}
    present, first_seen, counts = np.unique(merged.entity, return_index=True, return_counts=True)
    for index in np.argsort(first_seen).tolist():
        entity, count = int(present[index]), int(counts[index])
        entity_type = spans.entity_names[entity]
        op = policy.operator_for(column, entity_type)
        operators[entity] = op
        fixed[entity] = (
            apply_operator(op, "", entity_type).encode("utf-8")
            if isinstance(op, Redact | ReplaceWithType)
            else None
        )
        report.add(entity_type, op.kind, count, column=column)

    cell_bytes = CellBytes(texts)
    cell_of = np.repeat(np.arange(len(merged.rows)), np.diff(merged.bounds))
    starts = cell_bytes.byte_offsets(cell_of, merged.start)
    ends = cell_bytes.byte_offsets(cell_of, merged.end)
    pieces: list[bytes] = []
    piece_of = np.empty(len(starts), np.int64)
    for entity, text in fixed.items():
        if text is not None:
            piece_of[merged.entity == entity] = len(pieces)
            pieces.append(text)
    # Operators that read the value: span by span, in the order of the cells and their spans.
    computed = [entity for entity, text in fixed.items() if text is None]
    for span in np.flatnonzero(np.isin(merged.entity, computed)).tolist():
        entity = int(merged.entity[span])
        value = cell_bytes.value(int(starts[span]), int(ends[span]))
        replacement = apply_operator(
            operators[entity], value, spans.entity_names[entity], keys=keys
        )
        piece_of[span] = len(pieces)
        pieces.append(replacement.encode("utf-8"))
    new = cell_bytes.splice(merged.bounds, starts, ends, pieces, piece_of)
    unchanged = pc.sum(pc.equal(new, cell_bytes.texts)).as_py()
    report.cells_rewritten += len(new) - (unchanged or 0)
    mask = np.zeros(len(values), bool)
    mask[cells] = True
    rewritten = pc.replace_with_mask(values, pa.array(mask), new.cast(values.type))
    return rewritten.cast(value_type)
