"""Apply a policy to texts and tables given their findings; report counts, never values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.exceptions import ColumnNotFoundError, InvalidFindingError, PiiError
from vault_core.pii.finding import Finding, group_findings
from vault_core.pii.operators import Operator, apply_operator
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
    """

    policy: str
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    policy_digest: str = ""
    cells_rewritten: int = 0

    def add(self, entity_type: str, operator_kind: str, count: int = 1) -> None:
        """Count ``count`` spans of ``entity_type`` rewritten by an operator of that kind."""
        by_kind = self.actions.setdefault(entity_type, {})
        by_kind[operator_kind] = by_kind.get(operator_kind, 0) + count

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
) -> str:
    # Building from left-to-right slices gives the same result as replacing right-to-left
    # (offsets always refer to the original text) in linear time.
    pieces: list[str] = []
    cursor = 0
    for span in merged:
        op = operator_for(span.entity_type)
        pieces.append(text[cursor : span.start])
        pieces.append(apply_operator(op, text[span.start : span.end], span.entity_type))
        cursor = span.end
        if report is not None:
            report.add(span.entity_type, op.kind)
    pieces.append(text[cursor:])
    return "".join(pieces)


def anonymize_text(
    text: str, findings: Sequence[Finding], operator_for: Callable[[str], Operator]
) -> str:
    """Rewrite every finding of ``text`` with the operator ``operator_for(entity_type)`` picks.

    Overlapping findings are merged first (see :func:`merge_findings`); offsets refer to
    ``text`` as given, so the spans are applied as if right to left.

    Raises:
        InvalidFindingError: If a finding lies outside ``text``.
    """
    _check_bounds(len(text), findings)
    return _rewrite(text, merge_findings(findings), operator_for, None)


def _require_columns(table: pa.Table, names: Sequence[str]) -> None:
    for name in names:
        if name not in table.column_names:
            raise ColumnNotFoundError(
                f"table has no column {name!r}",
                column=name,
                available=list(table.column_names),
            )


def _text_values(column: pa.ChunkedArray) -> tuple[list[object], pa.DataType]:
    """Return the column's values and the type to rebuild it with."""
    value_type = column.type
    if pa.types.is_dictionary(value_type):
        value_type = value_type.value_type
        column = column.cast(value_type)
    return column.to_pylist(), value_type


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
) -> tuple[pa.Table, PolicyReport]:
    """Apply ``policy`` to the listed ``columns`` of ``table`` using its ``findings``.

    Other columns, the row order and the row count are unchanged. Findings are matched to rows
    by ``id_column`` (rows sharing an id get the same rewrite: ids are content digests).

    Args:
        table: The clear table.
        findings: A :data:`~vault_core.pii.finding.FINDINGS_SCHEMA` table for ``table``.
        policy: The policy choosing an operator per column and entity type.
        columns: The columns to rewrite; findings in other columns are ignored.
        id_column: The column holding record ids.

    Returns:
        The rewritten table and a :class:`PolicyReport` of what was done.

    Raises:
        ColumnNotFoundError: If ``id_column`` or one of ``columns`` is missing.
        InvalidFindingError: If a finding lies outside its cell.
        PiiError: If the id column has nulls while there are findings.
    """
    _require_columns(table, [id_column, *columns])
    report = PolicyReport(policy=policy.name, policy_digest=policy.digest())
    grouped = group_findings(findings)
    listed = set(columns)
    ignored = sum(len(items) for (_, column), items in grouped.items() if column not in listed)
    if ignored:
        other_columns = sorted({column for _, column in grouped if column not in listed})
        logger.warning(
            "%d findings in columns not listed for anonymization were left as is: %s",
            ignored,
            other_columns,
        )
    if not grouped or not columns:
        return table, report

    id_array = table.column(id_column)
    if id_array.null_count:
        raise PiiError(
            f"id column {id_column!r} has {id_array.null_count} null values; every row needs "
            "a record id to match its findings"
        )
    ids = [str(value) for value in pc.cast(id_array, pa.string()).to_pylist()]

    result = table
    for column in columns:
        if not any(key[1] == column for key in grouped):
            continue
        values, value_type = _text_values(table.column(column))
        if not _is_text_type(value_type):
            logger.warning(
                "column %r has type %s and cannot hold text; its findings were ignored",
                column,
                value_type,
            )
            continue

        def operator_for(entity_type: str, _column: str = column) -> Operator:
            return policy.operator_for(_column, entity_type)

        rewritten: list[object] = []
        changed = 0
        skipped = 0
        for record_id, value in zip(ids, values, strict=True):
            cell_findings = grouped.get((record_id, column))
            if not cell_findings:
                rewritten.append(value)
                continue
            if not isinstance(value, str):
                skipped += 1
                rewritten.append(value)
                continue
            _check_bounds(len(value), cell_findings)
            new_value = _rewrite(value, merge_findings(cell_findings), operator_for, report)
            if new_value != value:
                changed += 1
            rewritten.append(new_value)
        if skipped:
            logger.warning("%d empty cells of column %r had findings; skipped", skipped, column)
        report.cells_rewritten += changed
        index = result.schema.get_field_index(column)
        new_field = result.schema.field(index).with_type(value_type)
        result = result.set_column(index, new_field, pa.array(rewritten, type=value_type))
    return result, report
