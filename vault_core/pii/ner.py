"""Named-entity recognition in ``full`` mode: spaCy NER on the pieces of text that can hold a
name, each distinct piece once, on ``n_process`` forked workers kept between calls
(:mod:`vault_core.pii.ner_workers`): spaCy's network, its transitions decoded with numpy
(:mod:`vault_core.pii._ner_decode`, same entities).

A piece is a run of sentences with a capitalised word after a lower-case one (or a short text
with a capital) that lies outside the pattern detectors' findings; pieces holding only common
words and labels are skipped. Offline throughout.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from vault_core.pii import offline
from vault_core.pii._ner_decode import Decoder, TokenEntity, supports
from vault_core.pii.exceptions import DetectionError
from vault_core.pii.finding import NER_DETECTOR, Finding
from vault_core.pii.first_names import first_names, name_word_frequencies
from vault_core.pii.name_spans import NameFitter
from vault_core.pii.ner_workers import JOBS_PER_POOL, Entity, NerWorkers

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

_LABEL_WORDS = frozenset({"ssn", "iban", "ip", "url", "email", "dob"})
"""Labels the small NER model tags as organizations, beside the detectors' context words."""
# NER gate: a capitalised word after a lower-case letter or a comma is a name candidate; the
# first word of a sentence alone is not (most PII-free sentences have no other capital).
# Inside a piece, a full stop before a capital follows a title or an initial ("ms. Laura").
_NAME_CANDIDATE = re.compile(r"[a-z,;:).]\s+[A-Z]|[A-Z][a-z]+\s+[A-Z][a-z]")
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
# line break (also an escaped one, the two characters "\n" of JSON-escaped text). A full stop
# after a lone letter or a title is not an end: "Mr. Lee" and "Jane B. Doe" stay whole.
_SEGMENT = re.compile(
    r"[^\n]*?(?:(?<!\b[a-z])(?<!\b(?:mr|ms|dr|mx|st|jr|sr))(?<!\b(?:mrs|mme|rev))(?<!\bprof)"
    r"[.!?](?=\s)|\n|\\n|$)",
    re.IGNORECASE,
)
_ESCAPED_BREAK = "\\n"
_NER_UNIT_CHARS = 2_000
# Below this many NER units, handing them to worker processes costs more than it saves.
_MIN_UNITS_PER_PROCESS = 64
# What the workers read once when they start (NerWorkers.warm): about one job's worth of
# pieces in the shape of running text, built from the given-name list (not from any corpus).
_WARM_UP_PIECES = 320
_WARM_UP_FORMS = (
    "Hello, this is {0} {1} from the northern office; I wrote to Ms. {2} on Monday.",
    "{0} asked whether {1} could call back about the invoice before Friday.",
    "Please forward the contract to {0} {1}son and copy {2} at Orchard Holdings Ltd.",
    "Dear {0}, thank you for your letter of the 3rd about the delivery to {1}'s house.",
    "The meeting with Dr. {0} {1}er and the team from Lakeside Partners moved to Tuesday.",
)


class Ner:
    """spaCy NER over texts, adding its findings to theirs.

    Args:
        spacy_model: Installed spaCy model package; never downloaded.
        entities: Entity types to report (of :data:`NER_ENTITIES`).
        context_words: The detectors' context words: labels such as "SSN" that the small model
            tags as organizations are never reported.
        batch_size: Texts per ``nlp.pipe`` batch.
        max_chunk_chars: Longer texts are cut at whitespace into chunks of about this size.
        n_process: Worker processes (small batches run in-process whatever the setting),
            started on first use or by :meth:`start_workers`, kept until :meth:`close`.
    """

    def __init__(
        self,
        *,
        spacy_model: str,
        entities: frozenset[str],
        context_words: frozenset[str],
        batch_size: int,
        max_chunk_chars: int,
        n_process: int,
    ) -> None:
        self.spacy_model = spacy_model
        self.entities = entities
        self.batch_size = batch_size
        self.max_chunk_chars = max_chunk_chars
        self.n_process = n_process
        self._label_words = _LABEL_WORDS | context_words
        self._lock = threading.Lock()
        self._nlp: Any = None
        self._decoder: Decoder | None = None
        self._fitter: NameFitter | None = None
        self._workers: NerWorkers | None = None

    def nlp(self) -> Any:
        """The loaded spaCy pipeline (loaded on first call, once).

        Raises:
            ModelNotInstalledError: If the spaCy model is not installed.
        """
        with self._lock:
            if self._nlp is None:
                self._fitter = NameFitter(first_names(), name_word_frequencies())
                nlp = offline.load_spacy_for_ner(self.spacy_model)
                ner = nlp.get_pipe("ner")
                # Only NER left (see load_spacy_for_ner): decode its entities with numpy.
                if nlp.pipe_names == ["ner"] and supports(ner):
                    self._decoder = Decoder(ner)
                    read = self._decoder.lexeme_attributes()
                    if read is not None:
                        offline.keep_lexeme_attributes(nlp, read)
                self._nlp = nlp
            return self._nlp

    def fitter(self) -> NameFitter:
        """What fits the model's entities to names (:mod:`vault_core.pii.name_spans`)."""
        self.nlp()
        assert self._fitter is not None
        return self._fitter

    def start_workers(self) -> None:
        """Fork the ``n_process`` workers now and have each read some text once, so that the
        first detection finds them warm (:mod:`vault_core.pii.ner_workers`)."""
        workers = self._workers_now()
        if workers is not None and workers.jobs_run == 0:
            workers.warm(_warm_up_pieces(), self.batch_size)

    def close(self) -> None:
        """Stop the worker processes, if any (a later detection starts new ones)."""
        with self._lock:
            workers, self._workers = self._workers, None
        if workers is not None and workers.owner_pid == os.getpid():
            workers.close()

    def _workers_now(self) -> NerWorkers | None:
        """The worker pool (started if need be), or ``None`` when NER runs in this process."""
        if self.n_process < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        nlp = self.nlp()
        with self._lock:
            workers = self._workers
            if workers is not None and workers.owner_pid == os.getpid():
                if workers.jobs_run < JOBS_PER_POOL and not workers.broken:
                    return workers
                workers.close()
            # (A pool inherited through a fork belongs to the parent: left alone.)
            assert self._fitter is not None  # set by nlp()
            self._workers = NerWorkers(_Runner(nlp, self._decoder, self._fitter), self.n_process)
            return self._workers

    def units(
        self, texts: list[str], raw: list[list[Finding]] | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        """Distinct pieces of text worth NER -> ``(text index, offset)`` of each occurrence.

        With ``raw`` (the pattern findings of each text), a piece whose capitalised words all
        lie inside pattern findings or are common words (:data:`_NOT_NAMES`) is skipped: an
        IBAN, a date, a street address or "My SSN is ..." holds no name the NER could add.
        """
        units: dict[str, list[tuple[int, int]]] = {}
        for text_index, offset, piece in self._occurrences(texts, raw):
            units.setdefault(piece, []).append((text_index, offset))
        return units

    def _occurrences(
        self, texts: list[str], raw: list[list[Finding]] | None
    ) -> Iterator[tuple[int, int, str]]:
        """The pieces of :meth:`units` as they occur: ``(text index, offset, piece)``."""
        fitter = self.fitter()
        for text_index, text in enumerate(texts):
            covered = _Coverage(raw[text_index] if raw is not None else [], self._label_words)
            if len(text) <= _SHORT_TEXT:
                if _CAPITAL.search(text) and covered.may_hold_name(text, 0):
                    yield text_index, 0, _for_nlp(text)
                continue
            for chunk_offset, chunk in offline.split_for_nlp(text, self.max_chunk_chars):
                for offset, piece in _gated_pieces(chunk, fitter):
                    if covered.may_hold_name(piece, chunk_offset + offset):
                        yield text_index, chunk_offset + offset, _for_nlp(piece)

    def add_findings(self, texts: list[str], raw: list[list[Finding]]) -> None:
        """Add the NER findings of ``texts`` to ``raw`` (their pattern findings)."""
        for _ in self.add_findings_in_order(texts, raw):
            pass

    def add_findings_in_order(self, texts: list[str], raw: list[list[Finding]]) -> Iterator[int]:
        """:meth:`add_findings` part by part, as the workers send their jobs back: after each
        part, yields how many leading texts have all their findings (the last yield is
        ``len(texts)``), so the caller can finish those while the workers read on.

        With workers, each job is sent as soon as its pieces are cut, so the workers start
        while the rest of the texts are still being cut into pieces."""
        nlp = self.nlp()
        units: dict[str, list[tuple[int, int]]] = {}
        pieces: list[str] = []
        # complete_after[i]: pieces done (in order) once texts 0..i have all their findings.
        complete_after: list[int] = []

        def new_pieces() -> Iterator[str]:
            for text_index, offset, piece in self._occurrences(texts, raw):
                complete_after.extend([len(pieces)] * (text_index - len(complete_after)))
                occurrences = units.get(piece)
                if occurrences is None:
                    units[piece] = [(text_index, offset)]
                    pieces.append(piece)
                    yield piece
                else:
                    occurrences.append((text_index, offset))
            complete_after.extend([len(pieces)] * (len(texts) - len(complete_after)))

        try:
            stream = new_pieces()
            enough = self.n_process * _MIN_UNITS_PER_PROCESS
            first = list(itertools.islice(stream, enough))
            workers = self._workers_now() if len(first) == enough else None
            parts: Iterable[list[list[Entity]]]
            if workers is not None:
                jobs = _cut(itertools.chain(first, stream), self.batch_size)
                parts = workers.entities(jobs, self.batch_size)
            else:
                first.extend(stream)
                runner = _Runner(nlp, self._decoder, self.fitter())
                parts = [runner.entities(first, self.batch_size)] if first else []
            done = 0
            for part in parts:
                for piece, ents in zip(pieces[done : done + len(part)], part, strict=True):
                    self._add(ents, units[piece], raw)
                done += len(part)
                if done < len(pieces):
                    yield bisect_right(complete_after, done)
        except DetectionError:
            raise
        except Exception as exc:
            raise DetectionError(
                f"spaCy NER failed with {type(exc).__name__}; the text is not shown"
            ) from None
        yield len(texts)

    def _add(
        self, ents: list[Entity], occurrences: list[tuple[int, int]], raw: list[list[Finding]]
    ) -> None:
        for start, end, label, text in ents:
            entity_type = SPACY_LABEL_TO_ENTITY.get(label)
            if entity_type is None or entity_type not in self.entities:
                continue
            if text is not None and text.lower() in self._label_words:
                continue
            for text_index, offset in occurrences:
                raw[text_index].append(
                    Finding(start + offset, end + offset, entity_type, NER_SCORE, NER_DETECTOR)
                )


def _cut(pieces: Iterator[str], size: int) -> Iterator[list[str]]:
    """Consecutive lists of ``size`` pieces (the last may be shorter)."""
    while chunk := list(itertools.islice(pieces, size)):
        yield chunk


def _for_nlp(piece: str) -> str:
    """``piece`` as spaCy reads it, same length: lone surrogates replaced, and escaped line
    breaks made real ones (the tokenizer glues "Lee\\nAddress" into one token)."""
    piece = offline.sanitize(piece)
    if _ESCAPED_BREAK in piece:
        piece = piece.replace(_ESCAPED_BREAK, " \n")
    return piece


def _gated_pieces(text: str, fitter: NameFitter) -> Iterator[tuple[int, str]]:
    """Runs of consecutive sentences of ``text`` that may hold a name, as ``(offset, piece)``:
    a capitalised word after a lower-case one, or a known given name first ("Cindy is ...").

    Adjacent candidate sentences are merged (up to about ``_NER_UNIT_CHARS``) so the NER keeps
    some context and spaCy gets fewer, longer docs."""
    run_start = -1
    run_end = -1
    for match in _SEGMENT.finditer(text):
        start, end = match.span()
        if start == end:
            continue
        if _NAME_CANDIDATE.search(text, start, end) or _first_is_name(text, start, end, fitter):
            if run_start >= 0 and start == run_end and end - run_start <= _NER_UNIT_CHARS:
                run_end = end
                continue
            if run_start >= 0:
                yield run_start, text[run_start:run_end]
            run_start, run_end = start, end
    if run_start >= 0:
        yield run_start, text[run_start:run_end]


_FIRST_WORD = re.compile(r"\W*([^\W\d_]+)")


def _first_is_name(text: str, start: int, end: int, fitter: NameFitter) -> bool:
    match = _FIRST_WORD.match(text, start, end)
    return match is not None and fitter.is_first_name(match.group(1))


def _fitted(text: str, ents: list[tuple[int, int, str]], fitter: NameFitter) -> list[Entity]:
    fitted = fitter.fit(text, ents)
    return [
        (start, end, label, None if " " in text[start:end] else text[start:end])
        for start, end, label in fitted
    ]


class _Runner:
    """The NER of a list of pieces: spaCy's network, then :mod:`vault_core.pii._ner_decode`'s
    decoding where the model allows it (else ``nlp.pipe``), then the name fitting."""

    def __init__(self, nlp: Any, decoder: Decoder | None, fitter: NameFitter) -> None:
        self.nlp = nlp
        self.decoder = decoder
        self.fitter = fitter

    def entities(self, pieces: list[str], batch_size: int) -> list[list[Entity]]:
        fitter = self.fitter
        if self.decoder is None:
            return [
                _fitted(doc.text, [(e.start_char, e.end_char, e.label_) for e in doc.ents], fitter)
                for doc in self.nlp.pipe(pieces, batch_size=batch_size)
            ]
        make_doc = self.nlp.make_doc
        found: list[list[Entity]] = []
        # spaCy's batching (Parser.pipe): batches of batch_size, each sorted by length and cut
        # into quarters; the network's floats depend on the batch, so the same batches give
        # the same entities as nlp.pipe.
        sub_size = max(batch_size // 4, 2)
        for first in range(0, len(pieces), batch_size):
            batch = pieces[first : first + batch_size]
            docs = [make_doc(piece) for piece in batch]
            by_length = sorted(docs, key=len)
            parts = [by_length[sub : sub + sub_size] for sub in range(0, len(by_length), sub_size)]
            spans_of: dict[int, list[TokenEntity]] = {}
            for part, spans_list in zip(parts, self.decoder.entities_of_parts(parts), strict=True):
                for doc, spans in zip(part, spans_list, strict=True):
                    spans_of[id(doc)] = spans
            # The piece is the doc's text (``doc.text`` would join its tokens again).
            for piece, doc in zip(batch, docs, strict=True):
                ents = [
                    (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), label)
                    for start, end, label in spans_of[id(doc)]
                ]
                found.append(_fitted(piece, ents, fitter))
        return found


def _warm_up_pieces() -> list[str]:
    names = sorted(first_names())
    step = max(1, len(names) // (3 * _WARM_UP_PIECES))
    picked = names[::step]
    return [
        _WARM_UP_FORMS[i % len(_WARM_UP_FORMS)].format(
            picked[(3 * i) % len(picked)], picked[(3 * i + 1) % len(picked)],
            picked[(3 * i + 2) % len(picked)],
        )
        for i in range(_WARM_UP_PIECES)
    ]  # fmt: skip


class _Coverage:
    """Answers whether a piece of a text has a capitalised word outside pattern findings."""

    def __init__(self, findings: Sequence[Finding], label_words: frozenset[str]) -> None:
        self._label_words = label_words
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
            if match.group() in _NOT_NAMES or match.group().lower() in self._label_words:
                continue
            if not self._inside(offset + match.start()):
                return True
        return False
