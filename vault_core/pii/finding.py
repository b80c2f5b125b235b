"""One detected PII span and its Arrow form (the ``pii_findings`` table never holds the value)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from vault_core.pii.exceptions import ColumnNotFoundError, InvalidFindingError

FINDINGS_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("column", pa.string(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("entity_type", pa.string(), nullable=False),
        pa.field("score", pa.float32(), nullable=False),
        pa.field("detector", pa.string(), nullable=False),
    ]
)
"""Schema of a findings table: where PII was found, of which type, by whom — never what."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A detected span of PII in one text.

    Attributes:
        start: Offset of the first character, a Python ``str`` index into the original text.
        end: Offset one past the last character (``text[start:end]`` is the value).
        entity_type: Presidio entity name, e.g. ``EMAIL_ADDRESS`` or ``PERSON``.
        score: Confidence in ``[0, 1]``.
        detector: Who found it, e.g. ``presidio:EmailRecognizer``, ``spacy:ner`` or
            ``declared_column``.
    """

    start: int
    end: int
    entity_type: str
    score: float
    detector: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise InvalidFindingError(
                f"finding offsets must satisfy 0 <= start < end, got start={self.start} "
                f"end={self.end}",
                start=self.start,
                end=self.end,
            )

    @property
    def length(self) -> int:
        """Number of characters covered."""
        return self.end - self.start

    def overlaps(self, other: Finding) -> bool:
        """True when the two spans share at least one character."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Finding) -> bool:
        """True when ``other`` lies entirely inside this span."""
        return self.start <= other.start and other.end <= self.end


def findings_to_table(rows: Iterable[tuple[str, str, Finding]]) -> pa.Table:
    """Build a :data:`FINDINGS_SCHEMA` table from ``(record_id, column, finding)`` rows."""
    record_ids: list[str] = []
    columns: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    types: list[str] = []
    scores: list[float] = []
    detectors: list[str] = []
    for record_id, column, finding in rows:
        record_ids.append(record_id)
        columns.append(column)
        starts.append(finding.start)
        ends.append(finding.end)
        types.append(finding.entity_type)
        scores.append(finding.score)
        detectors.append(finding.detector)
    return pa.Table.from_arrays(
        [
            pa.array(record_ids, pa.string()),
            pa.array(columns, pa.string()),
            pa.array(starts, pa.int32()),
            pa.array(ends, pa.int32()),
            pa.array(types, pa.string()),
            pa.array(scores, pa.float32()),
            pa.array(detectors, pa.string()),
        ],
        schema=FINDINGS_SCHEMA,
    )


def group_findings(
    findings: pa.Table, *, columns: Iterable[str] | None = None
) -> dict[tuple[str, str], list[Finding]]:
    """Group a findings table by ``(record_id, column)``, optionally keeping some columns only.

    Raises:
        ColumnNotFoundError: If the table lacks a column of :data:`FINDINGS_SCHEMA`.
    """
    for name in FINDINGS_SCHEMA.names:
        if name not in findings.column_names:
            raise ColumnNotFoundError(
                f"findings table lacks column {name!r}; it must follow FINDINGS_SCHEMA",
                column=name,
                available=list(findings.column_names),
            )
    wanted = None if columns is None else set(columns)
    data = {name: findings.column(name).to_pylist() for name in FINDINGS_SCHEMA.names}
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for record_id, column, start, end, entity_type, score, detector in zip(
        data["record_id"],
        data["column"],
        data["start"],
        data["end"],
        data["entity_type"],
        data["score"],
        data["detector"],
        strict=True,
    ):
        if wanted is not None and column not in wanted:
            continue
        finding = Finding(int(start), int(end), str(entity_type), float(score), str(detector))
        grouped.setdefault((str(record_id), str(column)), []).append(finding)
    return grouped
