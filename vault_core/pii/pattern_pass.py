"""Run the pattern detectors over many texts at once: Rust regex scans, numpy bookkeeping.

Presidio runs every recognizer on every text in a Python loop, with a Python object per match.
Here the texts are joined (a line break between two texts: no pattern crosses one) and cut
into a few rows. Each detector is one polars ``replace_all`` over the rows that wraps every
match's value in two control characters, and a ``find_many`` of those markers, which gives
every match's offsets at once. Trails, validators (:mod:`vault_core.pii.validators`),
context words and scores are then computed for all of a detector's matches together. No Python
code runs per text or per match (a C-level call per value checks the few hundred URLs, titles
and ``within`` subsets, where a polars call would wait for the scans on polars' threads).
Texts are scanned in batches of ~4M characters (bounded memory); a batch of at most ~2k
characters (one ``detect`` call) is scanned match by match in Python instead
(:func:`_scan_small`), which is faster there and is the reference the columnar pass is tested
against.

Leftmost-first matching is the same in Rust's regex and Python's ``re`` for the patterns'
common subset, so the matches are those ``re.finditer`` would give for
:attr:`~vault_core.pii.patterns.PatternDetector.search` (a test checks it against that
reference, text by text). Two shortcuts keep those matches while scanning less: a detector
whose matches all hold a run of digits is scanned only in windows around such runs
(:meth:`~vault_core.pii.joined_text.Corpus.near_digits`), and one whose value holds a literal
is scanned without its lead, checked afterwards (:func:`_lead_checked`). The joined texts,
their windows and the context words' places are in :mod:`vault_core.pii.joined_text`.
"""

from __future__ import annotations

import re
import string
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.finding import Finding
from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits
from vault_core.pii.joined_text import NON_ASCII, SEPARATOR, ContextWords, Corpus, Haystack
from vault_core.pii.offline import sanitize
from vault_core.pii.patterns import (
    CONTEXT_AFTER,
    CONTEXT_BOOST,
    CONTEXT_WINDOW,
    DETECTORS,
    PatternDetector,
)
from vault_core.pii.regex_bounds import (
    digit_run,
    first_characters,
    narrowest,
    prefix_tail_characters,
    widest,
)
from vault_core.pii.validators import Values

if TYPE_CHECKING:
    import polars as pl

DETECTOR_PREFIX = "vault:"
"""Prefix of the names of vault's pattern detectors, e.g. ``vault:Email``."""

# Each match's value is wrapped in these; polars finds them (the texts hold neither).
_MARKERS = ["\x01", "\x02"]
# Group 1 (what precedes), the value between the markers, group 3 (what follows).
_REPLACEMENT = "${1}\x01${2}\x02${3}"
# The whole match between the markers (see _scan_form).
_WHOLE_REPLACEMENT = "\x01${0}\x02"
# Batches up to this many characters are scanned match by match in Python (_scan_small).
_SMALL_CHARS = 2_048
# Texts are scanned in batches of about this many characters (bounded memory).
_BATCH_CHARS = 4 * 1024 * 1024
# Detectors scanned per polars select (a tier's detectors: the fewer selects, the fewer
# waits for a select's slowest scan). The marked copies stay inside polars, one per thread.
_DETECTORS_PER_SELECT = 8
# The column of the first select that holds the context words' places.
_WORDS = "context words"  # no detector name holds a space
# Selects queued ahead of the one being judged.
_LOOKAHEAD = 3
# Characters after a match that a detector's ``followed_by`` is tested on.
_FOLLOW_CHARS = 16


def pattern_entities(detectors: Iterable[PatternDetector] = DETECTORS) -> frozenset[str]:
    """Entity types the pattern detectors can report."""
    return frozenset(detector.entity_type for detector in detectors)


def context_words(detectors: Iterable[PatternDetector] = DETECTORS) -> frozenset[str]:
    """Every single-word context word of the detectors (lower case)."""
    return frozenset(w for d in detectors for w in d.context if " " not in w)


@dataclass(frozen=True)
class _ScanForm:
    """How a detector is scanned in Rust.

    Attributes:
        regex: The regex scanned.
        replacement: What each match becomes: the value between markers.
        lead_inside: The marked match begins with the lead character, before the value.
        lead_after: The lead is not scanned; it is checked on each match afterwards.
        value_begins: The marked match begins with the prefix, before the value: the value
            begins at the first character after the match's first that it can begin with.
    """

    regex: str
    replacement: str
    lead_inside: bool = False
    lead_after: bool = False
    value_begins: frozenset[int] | None = None


@cache
def _scan_form(detector: PatternDetector) -> _ScanForm:
    """The detector's Rust scan.

    A detector with only a ``lead`` is scanned as ``[^lead]value``, without capture groups:
    Rust's regex finds a match's groups with a second, slower engine, which cost about a
    fifth of the scan. Every text in the joined corpus follows a line break, which no lead
    class holds, so ``[^lead]`` stands for the ``^`` alternative of :attr:`search` too. With
    ``lead_after`` the value alone is scanned (see :func:`_lead_checked`).

    A detector with a ``prefix`` whose characters after its first can never begin the value
    ("[^0-9] " before a card, "Age: " before a number) is scanned without groups too: where
    the value begins is read off the match (see :func:`_value_start`)."""
    if detector.prefix is not None and detector.suffix is None:
        begins = first_characters(detector.pattern)
        tail = prefix_tail_characters(detector.prefix)
        if begins is not None and tail is not None and not begins & tail and 10 not in begins:
            regex = f"(?:{detector.prefix})(?:{detector.pattern})"
            return _ScanForm(regex, _WHOLE_REPLACEMENT, value_begins=begins)
    if detector.prefix is not None or detector.suffix is not None:
        return _ScanForm(detector.search, _REPLACEMENT)
    if detector.lead is None:
        return _ScanForm(f"(?:{detector.pattern})", _WHOLE_REPLACEMENT)
    if re.fullmatch(detector.lead, SEPARATOR):
        raise ValueError(f"lead of {detector.name} must not hold a line break")
    if detector.lead_after:
        return _ScanForm(f"(?:{detector.pattern})", _WHOLE_REPLACEMENT, lead_after=True)
    regex = f"[^{detector.lead[1:-1]}](?:{detector.pattern})"
    return _ScanForm(regex, _WHOLE_REPLACEMENT, lead_inside=True)


@cache
def _scan_expression(detector: PatternDetector) -> pl.Expr:
    """The polars expression of a detector's scan: where the markers around its values are in
    the marked haystack rows (built once: building them took ~0.1 ms per select)."""
    import polars as pl  # imported on first scan: importing vault_core.pii stays cheap

    form = _scan_form(detector)
    return (
        pl.col("text")
        .str.replace_all(form.regex, form.replacement)
        .str.find_many(_MARKERS)
        .alias(detector.name)
    )


@cache
def _words_expression(words: tuple[str, ...]) -> pl.Expr:
    """The expression finding the context words, in the first select (built once)."""
    return ContextWords.search(words).alias(_WORDS)


def _lead_checked(
    detector: PatternDetector, corpus: Corpus, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The matches of :attr:`PatternDetector.search` (lead and value), given the byte spans of
    the value's own leftmost-first matches.

    Where every value match of a text has a lead that passes and does not begin where the
    previous one ended (whose last character a lead would have consumed), the two scans
    meet the same values: the search's leftmost match starts one character before the
    value's leftmost match. A text where one fails is scanned again with the search itself,
    match by match in Python (rare: "_a@x.com", "Dr.Mr.")."""
    if not len(start):
        return start, end
    char = corpus.chars(start)
    assert detector.lead is not None
    fails = _in_class(detector.lead, corpus, char - 1)
    text = np.searchsorted(corpus.starts, char, side="right") - 1
    fails[1:] |= (text[1:] == text[:-1]) & (start[1:] == end[:-1])
    if not fails.any():
        return start, end
    again = np.unique(text[fails])
    keep = ~np.isin(text, again)
    redone: list[int] = []
    search = _python_search(detector.search)
    for number in again.tolist():
        first, last = int(corpus.starts[number]), int(corpus.ends[number])
        for match in search.finditer(corpus.joined[first:last]):
            redone.extend((first + match.start(2), first + match.end(2)))
    spans = corpus.bytes_of(np.array(redone, dtype=np.int64)).reshape(-1, 2)
    start = np.concatenate((start[keep], spans[:, 0]))
    end = np.concatenate((end[keep], spans[:, 1]))
    order = np.argsort(start, kind="stable")
    return start[order], end[order]


def _after_lead(corpus: Corpus, start: np.ndarray) -> np.ndarray:
    """Byte offsets just past the character beginning at each ``start`` (UTF-8 lead byte)."""
    if corpus.ascii:
        ascii_result: np.ndarray = start + 1
        return ascii_result
    first = corpus.utf8[start]
    width = 1 + (first >= 0xC0).astype(np.int64) + (first >= 0xE0) + (first >= 0xF0)
    result: np.ndarray = start + width
    return result


def _value_start(
    detector: PatternDetector, begins: frozenset[int], corpus: Corpus, start: np.ndarray
) -> np.ndarray:
    """Byte offsets of the values in matches of ``(?:prefix)(?:value)`` beginning at ``start``:
    the first character after the match's first whose code is in ``begins`` (the value's
    first characters, which the prefix's later characters never are). The prefix's later
    characters are ASCII, one byte each; in the rows scanned, a prefix alternative beginning
    with ``^`` never matches (see :func:`~vault_core.pii.regex_bounds.prefix_tail_characters`)."""
    table = _code_table(begins)
    at = _after_lead(corpus, start)
    assert detector.prefix is not None
    for _ in range(max((widest(detector.prefix) or 1) - 1, 0)):
        at = at + ~table[corpus.utf8[at]]
    return at


def _in_class(character_class: str, corpus: Corpus, position: np.ndarray) -> np.ndarray:
    """Whether the character at each position of the joined text is in the class."""
    codes = corpus.codes[position]
    result: np.ndarray = _class_table(character_class)[codes]
    unsure = np.flatnonzero(codes == NON_ASCII) if corpus.unsure else ()
    if len(unsure):
        # A non-ASCII character (or \x1a): ask the Unicode-aware class itself.
        pattern = _python_search(character_class)
        result[unsure] = [
            pattern.fullmatch(corpus.joined[at]) is not None for at in position[unsure].tolist()
        ]
    return result


@cache
def _code_table(codes: frozenset[int]) -> np.ndarray:
    """Which of the 256 byte codes are in ``codes`` (a lookup table; np.isin took 5x)."""
    table = np.zeros(256, dtype=bool)
    table[list(codes)] = True
    return table


@cache
def _class_table(character_class: str) -> np.ndarray:
    """Which ASCII codes a character class holds (index ``NON_ASCII`` is decided per match)."""
    pattern = re.compile(character_class)
    return np.array([pattern.fullmatch(chr(code)) is not None for code in range(256)])


Texts: TypeAlias = Sequence[str] | pa.Array
"""Texts to scan: Python strings, or an Arrow string array without nulls (a table's column:
then the texts are never turned into Python strings)."""


def joined_texts(groups: Sequence[tuple[Texts, str]]) -> Texts:
    """The texts of all groups, one after another: a list, or one Arrow array if any group is
    one."""
    if not any(isinstance(texts, pa.Array) for texts, _ in groups):
        return [text for texts, _ in groups for text in texts]
    arrays = [
        texts.cast(pa.large_string())
        if isinstance(texts, pa.Array)
        else pa.array(list(texts), pa.large_string())
        for texts, _ in groups
    ]
    return pa.concat_arrays(arrays) if arrays else pa.array([], pa.large_string())


def scan_groups(
    groups: Sequence[tuple[Texts, str]],
    *,
    entities: frozenset[str],
    threshold: float,
    detectors: Sequence[PatternDetector] = DETECTORS,
    joined: Texts | None = None,
) -> Hits:
    """Pattern findings (not yet resolved) of several ``(texts, hint)`` groups, the columns of a
    table, with the texts of all groups numbered one after another. One pass over all groups:
    one Rust scan per detector, instead of one per detector and group. A group's hint is extra
    context for each of its texts, such as the column name ``"zip"``. ``joined``:
    :func:`joined_texts` of the groups, if the caller has it already."""
    active = [d for d in detectors if d.entity_type in entities]
    texts = joined_texts(groups) if joined is None else joined
    if not len(texts) or not active:
        return Hits.empty()
    sizes = [len(group) for group, _ in groups]
    firsts = np.concatenate(([0], np.cumsum(sizes)))
    hints = [hint.lower() for _, hint in groups]
    # Per detector and text: whether the text's hint holds one of the detector's context
    # words (detectors with the same words share one array).
    by_words: dict[tuple[str, ...], np.ndarray] = {}
    for detector in active:
        if detector.context not in by_words:
            by_words[detector.context] = _hinted(detector.context, hints, firsts)
    hinted = [by_words[detector.context] for detector in active]
    if isinstance(texts, pa.Array):
        lengths = _char_lengths(texts)
    else:
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    parts = []
    for begin, end in _batches(lengths):
        part = _scan_batch(
            texts[begin:end], lengths[begin:end], active, threshold,
            [flags[begin:end] for flags in hinted],
        )  # fmt: skip
        parts.append(replace(part, text=part.text + begin))
    return Hits.concat(parts)


def _char_lengths(texts: pa.Array) -> np.ndarray:
    """Characters in each text of a (large) string array: its byte lengths when it is all
    ASCII (one pass over the bytes, a third of the time of counting UTF-8 characters)."""
    large = texts.cast(pa.large_string())
    offsets = np.frombuffer(large.buffers()[1], dtype=np.int64)[
        large.offset : large.offset + len(large) + 1
    ]
    data = large.buffers()[2]
    body = np.zeros(0, dtype=np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)
    if body[offsets[0] : offsets[-1]].max(initial=0) < 0x80:
        return np.diff(offsets)
    return np.asarray(pc.utf8_length(large)).astype(np.int64)


def _batches(lengths: np.ndarray) -> list[tuple[int, int]]:
    """``(begin, end)`` runs of texts (of these lengths) of about ``_BATCH_CHARS`` characters
    (a longer text ends a run): memory stays bounded by the batch, not the column."""
    runs: list[tuple[int, int]] = []
    sizes = np.cumsum(lengths + 1)
    begin, base = 0, 0
    while begin < len(lengths):
        # The first text at which the run reaches the batch size ends the run.
        end = int(np.searchsorted(sizes, base + _BATCH_CHARS, side="left")) + 1
        end = min(end, len(lengths))
        runs.append((begin, end))
        begin, base = end, int(sizes[end - 1])
    return runs


def _scan_batch(
    texts: Texts,
    lengths: np.ndarray,
    active: Sequence[PatternDetector],
    threshold: float,
    hinted: Sequence[np.ndarray],
) -> Hits:
    """Hits of one batch of texts (``text`` numbered within the batch)."""
    if int(lengths.sum()) <= _SMALL_CHARS:
        small = texts.to_pylist() if isinstance(texts, pa.Array) else texts
        return _scan_small(small, active, threshold, hinted)
    if isinstance(texts, pa.Array):
        corpus = Corpus.of_array(texts, lengths)
    else:
        corpus = Corpus.of_texts(texts, lengths)
    names = {detector.name for detector in active}
    derived = [d for d in active if d.within and names.issuperset(d.within)]
    scanned = [d for d in active if d not in derived]
    flags = {detector.name: flag for detector, flag in zip(active, hinted, strict=True)}
    haystacks: dict[tuple[int, int] | None, Haystack] = {None: corpus.whole()}

    def scan(
        scanner: ThreadPoolExecutor,
        key: tuple[int, int] | None,
        chosen: Sequence[PatternDetector],
        words: tuple[str, ...],
    ) -> Future[pl.DataFrame | None]:
        """One polars select on the scanning thread: per chosen detector, where the markers
        around its values are in its marked haystack (polars marks the values and finds the
        markers, so only their offsets come back); with ``words``, where those are. The
        haystack's frame and the expressions are made here: made on the scanning thread,
        they waited for the GIL this thread held and started the select ~0.5 ms late."""
        haystack = haystacks[key]
        if not haystack.size:
            nothing: Future[pl.DataFrame | None] = Future()
            nothing.set_result(None)
            return nothing
        expressions = list(map(_scan_expression, chosen))
        if words:
            expressions.append(_words_expression(words))
        return scanner.submit(haystack.frame.select, *expressions)

    def spans_of(
        key: tuple[int, int] | None, chosen: Sequence[PatternDetector], found: pl.DataFrame | None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Byte spans into the joined text of each chosen detector's values, from its scan.
        (Read on this thread: on the scanning thread, this work held up the next select.)"""
        if found is None:
            empty = np.zeros(0, dtype=np.int64)
            return [(empty, empty) for _ in chosen]
        spans = []
        for detector in chosen:
            start, end = haystacks[key].marked_spans(found.get_column(detector.name))
            form = _scan_form(detector)
            if form.lead_inside:
                start = _after_lead(corpus, start)
            elif form.value_begins is not None:
                start = _value_start(detector, form.value_begins, corpus, start)
            elif form.lead_after:
                start, end = _lead_checked(detector, corpus, start, end)
            spans.append((start, end))
        return spans

    # Detectors scanned in one polars select run side by side on its threads (each scan of a
    # haystack runs on one thread). The next selects run while this thread reads and judges
    # the previous one's matches. The first select scans the whole text, with the context
    # words.
    plan = _haystack_plan(scanned)
    chunks = _selects(plan)
    words = tuple(sorted({word for detector in active for word in detector.context}))
    found: list[Hits] = []
    matches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with ThreadPoolExecutor(max_workers=1) as scanner:
        # While the whole text is scanned, this thread builds the windows.
        pending = deque([scan(scanner, *chunks[0], words)])
        for key in plan:
            if key is not None:
                haystacks[key] = corpus.near_digits(*key)
        pending.extend(scan(scanner, *chunk, ()) for chunk in chunks[1:_LOOKAHEAD])
        first = pending[0].result()
        assert first is not None  # the whole text holds a line break at least
        context = ContextWords.of_found(
            words, first.get_column(_WORDS) if words else None, haystacks[None], corpus
        )
        for position, (key, chosen) in enumerate(chunks):
            spans = spans_of(key, chosen, pending.popleft().result())
            if position + _LOOKAHEAD < len(chunks):
                pending.append(scan(scanner, *chunks[position + _LOOKAHEAD], ()))
            for detector, (start, end) in zip(chosen, spans, strict=True):
                matches[detector.name] = start, end
                found.append(
                    _judge(detector, corpus, start, end, threshold, flags[detector.name], context)
                )
            # A derived detector is judged as soon as its sources are, while later selects run.
            for detector in [d for d in derived if matches.keys() >= set(d.within)]:
                derived.remove(detector)
                start, end = _matched_whole(detector, corpus, [matches[n] for n in detector.within])
                found.append(
                    _judge(detector, corpus, start, end, threshold, flags[detector.name], context)
                )
    if derived:
        raise ValueError(f"{derived[0].name}: `within` must name detectors that are scanned")
    return Hits.concat(found)


# Detectors whose every match holds a run of at least ``k`` digits are scanned near runs of
# at least the highest tier <= k only; one haystack per tier, as wide as its widest detector.
_DIGIT_TIERS = (1, 4, 5)


def _haystack_plan(
    detectors: Sequence[PatternDetector],
) -> dict[tuple[int, int] | None, list[PatternDetector]]:
    """The detectors grouped by the haystack they are scanned in: ``(least, width)`` of
    :meth:`Corpus.near_digits`, or None for the whole text."""
    tiers: dict[int | None, list[PatternDetector]] = {}
    for detector in detectors:
        regex = _scan_form(detector).regex
        least = digit_run(regex)
        bounded = widest(regex) is not None
        tier = max((t for t in _DIGIT_TIERS if t <= least), default=None) if bounded else None
        tiers.setdefault(tier, []).append(detector)
    # The whole text first (its haystack needs no building), then the lowest tiers: cards
    # and IBANs (tier 1) are the slowest to judge (checksums, groups trimmed and checked
    # again), and judging them early overlaps the later scans instead of following the last.
    plan: dict[tuple[int, int] | None, list[PatternDetector]] = {}
    if None in tiers:
        plan[None] = tiers[None]
    for tier in sorted(t for t in tiers if t is not None):
        group = tiers[tier]
        plan[(tier, max(widest(_scan_form(d).regex) or 0 for d in group))] = group
    return plan


def _selects(
    plan: dict[tuple[int, int] | None, list[PatternDetector]],
) -> list[tuple[tuple[int, int] | None, list[PatternDetector]]]:
    """The selects run, in order: ``(haystack key, detectors)``; the first scans the whole
    text (with the context words) even if no detector does."""
    chunks = [
        (key, group[first : first + _DETECTORS_PER_SELECT])
        for key, group in plan.items()
        for first in range(0, len(group), _DETECTORS_PER_SELECT)
    ]
    if not chunks or chunks[0][0] is not None:
        chunks.insert(0, (None, []))
    return chunks


def _matched_whole(
    detector: PatternDetector, corpus: Corpus, sources: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """The matches of the detector's ``within`` detectors that its pattern matches whole: its
    own matches, without scanning the text again (see ``PatternDetector.within``)."""
    start = np.concatenate([begin for begin, _ in sources])
    end = np.concatenate([finish for _, finish in sources])
    # Only values of a width the pattern can match, beginning with a character it can begin
    # with, are asked (few: a nine-digit SSN among bank numbers of 8-17 digits, an ITIN's 9
    # among SSNs), one C-level fullmatch each: a polars call here waited for the scans
    # queued on polars' threads.
    first = corpus.chars(start)
    width = corpus.chars(end) - first
    fits = width >= narrowest(detector.pattern)
    most = widest(detector.pattern)
    if most is not None:
        fits &= width <= most
    begins = first_characters(detector.pattern)
    if begins is not None:
        fits &= _code_table(begins)[corpus.codes[first]]
    start, end = start[fits], end[fits]
    values = Values(corpus.utf8, start, end).strings()
    matched = _matched(_python_search(f"(?:{detector.pattern})").fullmatch, values)
    return start[matched], end[matched]


def _scan_small(
    texts: Sequence[str],
    active: Sequence[PatternDetector],
    threshold: float,
    hinted: Sequence[np.ndarray],
) -> Hits:
    """:func:`_scan_batch` the obvious way, match by match in Python: for a few short texts it
    is faster than the columnar pass's fixed cost (a few ms per call), and it is the reference
    the columnar pass is tested against."""
    rows: list[tuple[int, int, int, int, int, float]] = []
    for number, raw in enumerate(texts):
        # As the columnar pass reads texts: lone surrogates as U+FFFD, \x01 and \x02 as \x1a.
        text = sanitize(raw).replace("\x01", "\x1a").replace("\x02", "\x1a")
        for index, detector in enumerate(active):
            for match in _python_search(detector.search).finditer(text):
                start, end = match.span(2)
                found = _judge_one(detector, text, start, end, bool(hinted[index][number]))
                if found is not None and found[2] >= threshold:
                    entity = ENTITY_NAMES.code(detector.entity_type)
                    name = DETECTOR_NAMES.code(DETECTOR_PREFIX + detector.name)
                    rows.append((number, found[0], found[1], entity, name, found[2]))
    if not rows:
        return Hits.empty()
    columns = list(zip(*rows, strict=True))
    return Hits(
        np.array(columns[0], dtype=np.int64),
        np.array(columns[1], dtype=np.int64),
        np.array(columns[2], dtype=np.int64),
        np.array(columns[3], dtype=np.int32),
        np.array(columns[4], dtype=np.int32),
        np.array(columns[5], dtype=np.float64),
    )


@cache
def _python_search(search: str) -> re.Pattern[str]:
    return re.compile(search)


def _matched(match: Callable[[str], re.Match[str] | None], texts: Sequence[str]) -> np.ndarray:
    """Whether ``match`` (a compiled regex's ``match`` or ``fullmatch``) matches each text."""
    return np.array([found is not None for found in map(match, texts)], dtype=bool)


def _width(regex: str) -> int:
    """The most characters a match of ``regex`` can span (it must be bounded)."""
    most = widest(regex)
    if most is None:
        raise ValueError(f"regex {regex!r} has no bound on its width")
    return most


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _judge_one(
    detector: PatternDetector, text: str, start: int, end: int, hinted: bool
) -> tuple[int, int, float] | None:
    """``(start, end, score)`` of one match that passes the detector's checks, else None."""
    if end <= start:
        return None
    trail = detector.trail_class
    if (trail is not None and end < len(text) and trail.fullmatch(text[end])) or (
        detector.no_decimal_after and re.match(r"\.[0-9]", text[end : end + 2])
    ):
        retreated = detector.retreat_regex.match(text, start) if detector.retreat else None
        if retreated is None or retreated.end() <= start:
            return None
        end = retreated.end()
    if detector.validate is not None:
        length = int(detector.validate(Values.of([text[start:end]]))[0])
        if length == 0:
            return None
        end = start + length
    follows = detector.followed_by
    if follows is not None and not _python_search(follows).match(text, end):
        return None
    score = detector.score
    before = text[max(0, start - CONTEXT_WINDOW) : start].translate(_ASCII_LOWER)
    after = text[end : end + CONTEXT_AFTER].translate(_ASCII_LOWER)
    if (
        hinted
        or any(word in before or word in after for word in detector.context)
        or (
            detector.before is not None
            and _python_search(f"(?:{detector.before})\\Z").search(
                text[max(0, start - _width(detector.before)) : start]
            )
        )
    ):
        score = min(1.0, score + CONTEXT_BOOST)
    return start, end, score


def _hinted(words: tuple[str, ...], hints: list[str], firsts: np.ndarray) -> np.ndarray:
    """Per text: whether its group's hint holds one of ``words``."""
    lifted = [any(word in hint for word in words) for hint in hints]
    return np.repeat(np.array(lifted, dtype=bool), np.diff(firsts))


def scan_texts(
    texts: Sequence[str],
    *,
    entities: frozenset[str],
    threshold: float,
    hint: str = "",
    detectors: Sequence[PatternDetector] = DETECTORS,
) -> list[list[Finding]]:
    """Pattern findings of each text (not yet resolved against each other), ordered by start.

    Args:
        texts: Strings (lone surrogates allowed; offsets are ``str`` indices).
        entities: Entity types to report.
        threshold: Findings scoring below this are dropped.
        hint: Extra context for every text, e.g. the column name ``"zip"`` of structured cells.
        detectors: The detectors to run.
    """
    hits = scan_groups([(texts, hint)], entities=entities, threshold=threshold, detectors=detectors)
    return hits.sorted().to_lists(len(texts))


def _judge(
    detector: PatternDetector,
    corpus: Corpus,
    byte_start: np.ndarray,
    byte_end: np.ndarray,
    threshold: float,
    hinted: np.ndarray,
    context: ContextWords,
) -> Hits:
    """Hits of one detector's matches that pass its trail, validator and threshold.

    ``hinted`` says per text whether its hint (column name) holds a context word."""
    import polars as pl

    if not len(byte_start):
        return Hits.empty()
    start, end = corpus.chars(byte_start), corpus.chars(byte_end)
    text = np.searchsorted(corpus.starts, start, side="right") - 1
    keep = (end > start) & (end <= corpus.ends[text])
    if detector.trail is not None or detector.no_decimal_after:
        fails = _trail_fails(detector, corpus, end) & keep
        if detector.retreat and fails.any():
            end, byte_end = end.copy(), byte_end.copy()
            for index in np.flatnonzero(fails).tolist():
                begin = int(start[index])
                match = detector.retreat_regex.match(
                    corpus.joined, begin, int(corpus.ends[text[index]])
                )
                if match is not None and match.end() > begin:
                    value = corpus.joined[begin : match.end()]
                    end[index] = match.end()
                    byte_end[index] = byte_start[index] + len(value.encode("utf-8"))
                    fails[index] = False
        keep &= ~fails
    if detector.validate is not None and keep.any():
        start, end, text = start[keep], end[keep], text[keep]
        byte_start, byte_end = byte_start[keep], byte_end[keep]
        accepted = detector.validate(Values(corpus.utf8, byte_start, byte_end))
        keep = accepted > 0
        end = start + accepted
    start, end, text = start[keep], end[keep], text[keep]
    if detector.followed_by is not None and len(start):
        # A C-level match per value (a few hundred): a polars call here waited for the scans
        # queued on polars' threads.
        after = corpus.after(text, end, _FOLLOW_CHARS).to_pylist()
        followed = _matched(_python_search(detector.followed_by).match, after)
        start, end, text = start[followed], end[followed], text[followed]
    if not len(start):
        return Hits.empty()
    score = np.full(len(start), detector.score)
    boosted = min(1.0, detector.score + CONTEXT_BOOST)
    if detector.score < boosted and (detector.context or detector.before is not None):
        lifted = hinted[text]
        rest = np.flatnonzero(~lifted)
        if len(rest) and detector.context:
            lifted[rest] |= context.near(detector, corpus, text[rest], start[rest], end[rest])
            rest = np.flatnonzero(~lifted)
        if len(rest) and detector.before is not None:
            width = _width(detector.before)
            before = pl.Series(corpus.before(text[rest], start[rest], width))
            lifted[rest] |= before.str.contains(f"(?:{detector.before})$").to_numpy()
        score[lifted] = boosted
    passed = score >= threshold
    count = int(passed.sum())
    return Hits(
        text[passed],
        start[passed] - corpus.starts[text[passed]],
        end[passed] - corpus.starts[text[passed]],
        np.full(count, ENTITY_NAMES.code(detector.entity_type), dtype=np.int32),
        np.full(count, DETECTOR_NAMES.code(DETECTOR_PREFIX + detector.name), dtype=np.int32),
        score[passed],
    )


def _trail_fails(detector: PatternDetector, corpus: Corpus, end: np.ndarray) -> np.ndarray:
    """Whether the character after each match is one the detector's trail forbids."""
    after = corpus.codes[end]
    fails = np.zeros(len(end), dtype=bool)
    if detector.trail is not None:
        fails = _in_class(detector.trail, corpus, end)
    if detector.no_decimal_after:
        digit_next = corpus.codes[np.minimum(end + 1, len(corpus.codes) - 1)]
        fails |= (after == ord(".")) & (digit_next >= ord("0")) & (digit_next <= ord("9"))
    return fails
