"""One detected PII span, how overlapping spans are resolved, and the findings table's schema.

The ``pii_findings`` table says where PII is, of which type and found by whom; never what.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pyarrow as pa

from vault_core.pii.exceptions import ColumnNotFoundError, InvalidFindingError
from vault_core.pii.hipaa import NATIONAL_ID_TYPES

NER_DETECTOR = "spacy:ner"
"""Detector name of findings made by spaCy's named-entity recognizer."""
DECLARED_DETECTOR = "declared_column"
"""Detector name of findings that come from a column declared to hold one entity type."""
PRESIDIO_DETECTOR_PREFIX = "presidio:"
"""Prefix of detector names of Presidio recognizers, e.g. ``presidio:EmailRecognizer``."""

NUMBER_TYPES: tuple[str, ...] = (
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "US_SSN",
    "US_ITIN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_BANK_NUMBER",
    "UK_NHS",
    "MAC_ADDRESS",
    "UUID",
    # National identifiers (a birth date inside a PESEL, a personnummer or a NIR is part of it)
    *NATIONAL_ID_TYPES,
    "AU_MEDICARE",
)
"""Entity types of digit groups in which a date-like piece ("12.04.19" in an IP address, "11-12"
in a card number) is part of the number, not a date."""

SHADOWED_INSIDE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "URL": frozenset({"EMAIL_ADDRESS"}),
        "DATE_TIME": frozenset(NUMBER_TYPES),
        # Ten digits in 3-3-4 groups pass the NHS checksum one time in eleven.
        "UK_NHS": frozenset({"PHONE_NUMBER"}),
        # A licence number after "driver's license" may hold a Luhn-valid run of digits.
        "CREDIT_CARD": frozenset({"US_DRIVER_LICENSE"}),
    }
)
"""A finding of the key type lying inside a finding of one of the value types is a known false
positive (the URL pattern on an email's domain, dates on digit groups): resolution drops it.
The map of vault's default detectors and Presidio's predefined ones (a test holds it equal to
theirs); an engine resolves with its own detector set's."""
# NER labels of names: a span without a single letter ("#48213") is not one.
_NAME_ENTITIES = frozenset({"PERSON", "ORGANIZATION", "LOCATION", "NRP"})
_NAME_PARTS = frozenset({"TITLE"})

FINDINGS_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("record_id", pa.string()),
        pa.field("column", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
        pa.field("entity_type", pa.string()),
        pa.field("score", pa.float32()),
        pa.field("detector", pa.string()),
    ]
)
"""Schema of a findings table: where PII was found, of which type, by whom — never what.

Fields are nullable as Arrow's default (polars and Delta round trips keep it that way); the
engine never writes a null."""


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
        # Scores are stored as float32; rounding gives back the value that was written.
        score = round(float(score), 6)
        finding = Finding(int(start), int(end), str(entity_type), score, str(detector))
        grouped.setdefault((str(record_id), str(column)), []).append(finding)
    return grouped


class _Spans:
    """Spans sorted by start with running maximum ends, for O(log n) overlap questions."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        ordered = sorted(findings, key=lambda f: (f.start, f.end))
        self.starts = [f.start for f in ordered]
        self.max_ends: list[int] = []
        running = -1
        for finding in ordered:
            running = max(running, finding.end)
            self.max_ends.append(running)

    def overlaps(self, finding: Finding) -> bool:
        count = bisect_left(self.starts, finding.end)
        return count > 0 and self.max_ends[count - 1] > finding.start

    def contains(self, finding: Finding) -> bool:
        count = bisect_right(self.starts, finding.start)
        return count > 0 and self.max_ends[count - 1] >= finding.end


def resolve_findings(
    text: str,
    findings: Sequence[Finding],
    shadowed_inside: Mapping[str, frozenset[str]] = SHADOWED_INSIDE,
) -> list[Finding]:
    """Drop known false positives and overlaps; return disjoint findings sorted by start.

    In order: NER names without a letter go; a finding lying inside one of a type that
    explains it goes (a URL inside an email, a date inside a phone or card number); an NER
    finding overlapping a Presidio finding of another type goes (patterns with checksums and
    formats beat the small NER model on such strings); then among overlapping findings the
    higher score wins, then the longer span.

    ``shadowed_inside``: which types explain which inside them; an engine passes its detector
    set's (``DetectorRegistry.shadowed_inside``).
    """
    if not findings:
        return []
    kept = [
        f
        for f in findings
        if not (
            f.detector == NER_DETECTOR
            and f.entity_type in _NAME_ENTITIES
            and not any(ch.isalpha() for ch in text[f.start : f.end])
        )
    ]
    by_type: dict[str, list[Finding]] = {}
    for finding in kept:
        by_type.setdefault(finding.entity_type, []).append(finding)
    for shadowed, shadowing in shadowed_inside.items():
        if shadowed not in by_type:
            continue
        covers = _Spans(f for t in shadowing for f in by_type.get(t, ()))
        kept = [f for f in kept if f.entity_type != shadowed or not covers.contains(f)]

    ner = [f for f in kept if f.detector == NER_DETECTOR]
    if ner:
        patterns_by_type: dict[str, list[Finding]] = {}
        for finding in kept:
            # A title belongs to the name after it: "Dr." must not cancel the PERSON "Dr. Lee".
            if finding.detector != NER_DETECTOR and finding.entity_type not in _NAME_PARTS:
                patterns_by_type.setdefault(finding.entity_type, []).append(finding)
        others = {
            entity_type: _Spans(
                f for t, fs in patterns_by_type.items() if t != entity_type for f in fs
            )
            for entity_type in {f.entity_type for f in ner}
        }
        kept = [
            f for f in kept if f.detector != NER_DETECTOR or not others[f.entity_type].overlaps(f)
        ]

    chosen_starts: list[int] = []
    chosen: dict[int, Finding] = {}
    # The detector name is the last key so that ties between recognizers are stable.
    for finding in sorted(
        kept, key=lambda f: (-f.score, -f.length, f.start, f.entity_type, f.detector)
    ):
        index = bisect_left(chosen_starts, finding.start)
        if index < len(chosen_starts) and chosen_starts[index] < finding.end:
            continue
        if index > 0 and chosen[chosen_starts[index - 1]].end > finding.start:
            continue
        insort(chosen_starts, finding.start)
        chosen[finding.start] = finding
    return [chosen[start] for start in chosen_starts]
