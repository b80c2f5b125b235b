"""The columnar scan: every detector's matches in a batch of joined texts, from Rust regex scans
on polars' threads, with the bookkeeping in numpy (no Python code per text or per match).

Each detector is one polars ``replace_all`` over the rows that wraps every match's value in two
control characters, and a ``find_many`` of those markers, which gives every match's offsets at
once; the selects (:mod:`vault_core.pii.scan.plan`) run on a scanning thread while this thread
judges the previous select's matches (:mod:`vault_core.pii.scan.judge`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from vault_core.pii.context_words import ContextWords
from vault_core.pii.detectors import PatternDetector
from vault_core.pii.hits import Hits
from vault_core.pii.joined_text import Corpus, Haystack
from vault_core.pii.regex_bounds import (
    DigitForm,
    digit_forms,
    first_characters,
    narrowest,
    plain_ascii,
    widest,
)
from vault_core.pii.scan import context_gate, digit_groups, match_gate, repeated_groups
from vault_core.pii.scan import prefilter as rare_prefilter
from vault_core.pii.scan.judge import code_table, in_class, judge, match_each, python_search
from vault_core.pii.scan.plan import (
    PLACEHOLDERS,
    WORDS,
    haystack_plan,
    placeholders_expression,
    scan_expression,
    scan_form,
    selects,
    words_expression,
)
from vault_core.pii.validators import Values

if TYPE_CHECKING:
    import polars as pl


def start_columnar(
    corpus: Corpus,
    active: Sequence[PatternDetector],
    threshold: float,
    hinted: Sequence[np.ndarray],
    scanner: ThreadPoolExecutor,
) -> Callable[[], Hits]:
    """Start scanning one batch of joined texts with the detectors: build its haystacks and
    queue all its selects on ``scanner`` (one thread, selects in the order queued). The
    function returned reads and judges their matches and gives the hits (``text`` numbered
    within the batch). A caller that starts the next batch before finishing this one keeps
    polars busy while this thread judges (see :func:`vault_core.pii.scan.batches.scan_groups`)."""
    names = {detector.name for detector in active}
    # Patterns whose values a derived detector may take as they are (see plain_ascii).
    patterns = {d.name: d.pattern for d in active if plain_ascii(d.pattern)}
    derived = [d for d in active if d.within and names.issuperset(d.within)]
    # By identity: a detector's == compares every field (16k calls a batch).
    scanned = [d for d in active if not any(d is other for other in derived)]
    # Digit groups with one-character separators (3-3-3, 4-4-4): read off the digit runs
    # (see vault_core.pii.scan.digit_groups), no scan.
    grouped: list[tuple[PatternDetector, digit_groups.Shape]] = []
    if digit_groups.ENABLED:
        shapes = [(d, digit_groups.shape(d)) for d in scanned]
        grouped = [(d, shape) for d, shape in shapes if shape is not None]
        scanned = [d for d, shape in shapes if shape is None]
    # Alternatives of a digit run then separated groups (national phone numbers): read off
    # the digit runs too (see vault_core.pii.scan.repeated_groups).
    repeated: list[tuple[PatternDetector, repeated_groups.Shape]] = []
    if repeated_groups.ENABLED:
        forms = [(d, repeated_groups.shape(d)) for d in scanned]
        repeated = [(d, form) for d, form in forms if form is not None]
        scanned = [d for d, form in forms if form is None]
    # Rare detectors: the texts that may hold a match come from one shared Hyperscan pass,
    # and only those are scanned (see vault_core.pii.scan.prefilter).
    rare: tuple[PatternDetector, ...] = ()
    if rare_prefilter.ENABLED and any(d.rare for d in scanned):
        candidates = tuple(d for d in scanned if d.rare)
        rare = rare_prefilter.prefilter(candidates).detectors
        scanned = [d for d in scanned if not any(d is r for r in rare)]
    flags = {detector.name: flag for detector, flag in zip(active, hinted, strict=True)}
    haystacks: dict[tuple[int, int] | None, Haystack] = {None: corpus.whole()}

    def scan(
        key: tuple[int, int] | None,
        chosen: Sequence[PatternDetector],
        words: tuple[str, ...],
    ) -> Future[pl.DataFrame | None]:
        """One polars select on the scanning thread: per chosen detector, where the markers
        around its values are in its marked haystack (polars marks the values and finds the
        markers, so only their offsets come back); with ``words``, where those are. The
        haystack's frame and the expressions are made here: made on the scanning thread,
        they waited for the GIL this thread held and started the select late."""
        haystack = haystacks[key]
        if not haystack.size:
            nothing: Future[pl.DataFrame | None] = Future()
            nothing.set_result(None)
            return nothing
        expressions = list(map(scan_expression, chosen))
        if words:
            expressions.extend((words_expression(words), placeholders_expression()))
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
            form = scan_form(detector)
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
    # the previous one's matches. The first select scans the whole text for the context
    # words; while it runs, this thread finds the few texts that the gated detectors (by
    # context words or by an exact match) are searched in and builds the windows.
    words = tuple(sorted({word for detector in active for word in detector.context}))
    pending = deque([scan(None, (), words)])
    searched = _gated(corpus, scanned, threshold, flags, derived)
    gated = [d for d in scanned if d.name in searched]
    scanned = [d for d in scanned if d.name not in searched]
    plan = haystack_plan(scanned)
    chunks = selects(plan)
    if rare:
        # Those needing long digit runs prefiltered in the narrowest windows built anyway.
        windows = max((key for key in plan if key is not None), default=None)
        prefilter = rare_prefilter.prefilter(candidates, windows)
    found: list[Hits] = []
    matches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    shared: dict[tuple[str, ...], _Sources] = {}
    for key in plan:
        if key is not None:
            haystacks[key] = corpus.near_digits(*key)
    pending.extend(scan(*chunk, ()) for chunk in chunks[1:])

    def finish() -> Hits:
        # The values found outside polars first: they need no context words, so they are
        # read while the words are scanned.
        runs = digit_groups.Runs.of(corpus) if grouped or repeated else None
        outside: list[tuple[PatternDetector, tuple[np.ndarray, np.ndarray]]] = []
        for detector, shape in grouped:
            assert runs is not None
            outside.append((detector, digit_groups.matches(detector, shape, corpus, runs)))
        for detector, form in repeated:
            assert runs is not None
            outside.append((detector, repeated_groups.matches(detector, form, corpus, runs)))
        rare_ends = prefilter.ends(corpus, haystacks.get(prefilter.windows)) if rare else []
        for detector, ends in zip(rare, rare_ends, strict=True):
            outside.append((detector, rare_prefilter.matches_in(detector, corpus, ends)))
        for detector in gated:
            outside.append((detector, _searched(detector, corpus, searched[detector.name])))
        first = pending[0].result()
        assert first is not None  # the whole text holds a line break at least
        context = ContextWords.of_found(
            words,
            first.get_column(WORDS) if words else None,
            haystacks[None],
            corpus,
            placeholders=first.get_column(PLACEHOLDERS) if words else None,
        )

        for detector, (start, end) in outside:
            matches[detector.name] = start, end
            found.append(
                judge(detector, corpus, start, end, threshold, flags[detector.name], context)
            )
        for key, chosen in chunks:
            spans = spans_of(key, chosen, pending.popleft().result())
            for detector, (start, end) in zip(chosen, spans, strict=True):
                matches[detector.name] = start, end
                found.append(
                    judge(detector, corpus, start, end, threshold, flags[detector.name], context)
                )
            # A derived detector is judged as soon as its sources are, while later selects run.
            for detector in [d for d in derived if matches.keys() >= set(d.within)]:
                derived.remove(detector)
                if detector.within not in shared:
                    spans = [matches[n] for n in detector.within]
                    shared[detector.within] = _Sources(corpus, spans)
                sources = shared[detector.within]
                if all(patterns.get(n) == detector.pattern for n in detector.within):
                    # Its sources' own pattern (AuTfn's is CaSin's): all their values, as the
                    # match below would keep them.
                    start, end = sources.start, sources.end
                else:
                    start, end = _matched_whole(detector, sources)
                found.append(
                    judge(detector, corpus, start, end, threshold, flags[detector.name], context)
                )
        if derived:
            raise ValueError(f"{derived[0].name}: `within` must name detectors that are scanned")
        return Hits.concat(found)

    return finish


def _gated(
    corpus: Corpus,
    scanned: Sequence[PatternDetector],
    threshold: float,
    hinted: Mapping[str, np.ndarray],
    derived: Sequence[PatternDetector],
) -> dict[str, np.ndarray]:
    """The detectors of ``scanned`` to search only in the few texts holding one of their
    context words (see :mod:`vault_core.pii.scan.context_gate`) or a match of their pattern
    (:mod:`vault_core.pii.scan.match_gate`), and those texts: not those whose every match a
    derived detector takes."""
    sources = {name for detector in derived for name in detector.within}
    free = [d for d in scanned if d.name not in sources]
    chosen: dict[str, np.ndarray] = {}
    if context_gate.ENABLED:
        worded = [d for d in free if context_gate.gated(d, threshold)]
        if worded:
            chosen.update(context_gate.texts_to_scan(corpus, worded, hinted))
    if match_gate.ENABLED:
        sparse = [d for d in free if d.name not in chosen and match_gate.gated(d)]
        chosen.update(match_gate.texts_to_scan(corpus, sparse))
    return chosen


def _searched(
    detector: PatternDetector, corpus: Corpus, texts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans into the joined text of the detector's values (group 2 of its search) in the
    texts numbered ``texts``, found text by text with Python's ``re`` (as the reference pass
    finds them), in order."""
    search = python_search(detector.search)
    spans: list[int] = []
    for number in texts.tolist():
        first, last = int(corpus.starts[number]), int(corpus.ends[number])
        for match in search.finditer(corpus.joined[first:last]):
            spans.extend((first + match.start(2), first + match.end(2)))
    found = corpus.bytes_of(np.array(spans, dtype=np.int64)).reshape(-1, 2)
    return found[:, 0], found[:, 1]


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
    fails = in_class(detector.lead, corpus, char - 1)
    text = np.searchsorted(corpus.starts, char, side="right") - 1
    fails[1:] |= (text[1:] == text[:-1]) & (start[1:] == end[:-1])
    if not fails.any():
        return start, end
    again = np.unique(text[fails])
    keep = ~np.isin(text, again)
    redone_start, redone_end = _searched(detector, corpus, again)
    start = np.concatenate((start[keep], redone_start))
    end = np.concatenate((end[keep], redone_end))
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
    table = code_table(begins)
    at = _after_lead(corpus, start)
    assert detector.prefix is not None
    for _ in range(max((widest(detector.prefix) or 1) - 1, 0)):
        at = at + ~table[corpus.utf8[at]]
    return at


class _Sources:
    """The values of a derived detector's ``within`` detectors, read once for all derived
    detectors taking the same ones (a dozen take the bank numbers')."""

    def __init__(self, corpus: Corpus, sources: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.corpus = corpus
        self.start = np.concatenate([begin for begin, _ in sources])
        self.end = np.concatenate([finish for _, finish in sources])
        self.first = corpus.chars(self.start)
        self.width = corpus.chars(self.end) - self.first

    @cached_property
    def digits_only(self) -> np.ndarray:
        """Whether each value lies inside one run of ASCII digits."""
        run_start, run_end = self.corpus.digit_runs
        run = np.searchsorted(run_start, self.first, side="right") - 1
        result: np.ndarray = (run >= 0) & (run_end[np.maximum(run, 0)] >= self.first + self.width)
        return result


def _matched_whole(detector: PatternDetector, sources: _Sources) -> tuple[np.ndarray, np.ndarray]:
    """The matches of the detector's ``within`` detectors that its pattern matches whole: its
    own matches, without scanning the text again (see ``PatternDetector.within``)."""
    corpus, first, width = sources.corpus, sources.first, sources.width
    # Only values of a width the pattern can match, beginning with a character it can begin
    # with, are asked (few: a nine-digit SSN among bank numbers of 8-17 digits, an ITIN's 9
    # among SSNs): a polars call here waited for the scans queued on polars' threads.
    fits = width >= narrowest(detector.pattern)
    most = widest(detector.pattern)
    if most is not None:
        fits &= width <= most
    begins = first_characters(detector.pattern)
    if begins is not None:
        fits &= code_table(begins)[corpus.codes[first]]
    start, end = sources.start[fits], sources.end[fits]
    forms = digit_forms(detector.pattern)
    if forms is not None:
        # Digits only (the bank numbers' values taken as SSNs, NHS numbers, ...): a string of
        # digits fits the pattern by its width and head alone. No string per value: a
        # C-level fullmatch each took ~17 ms per 20 MB of tickets for these detectors.
        fitting = _fit_forms(forms, corpus, first[fits], width[fits])
        matched = sources.digits_only[fits] & fitting
    else:
        values = Values(corpus.utf8, start, end).strings()
        matched = match_each(python_search(f"(?:{detector.pattern})").fullmatch, values)
    return start[matched], end[matched]


def _fit_forms(
    forms: tuple[DigitForm, ...], corpus: Corpus, first: np.ndarray, width: np.ndarray
) -> np.ndarray:
    """Whether each string of digits (``width`` characters from ``first``) fits one of
    ``forms``: its width, and its first characters in the head's classes."""
    fits = np.zeros(len(first), dtype=bool)
    for form in forms:
        size = len(form.head)
        ok = (width >= size + form.low) & (width <= size + form.high)
        for place, codes in enumerate(form.head):
            ok &= code_table(codes)[corpus.codes[np.minimum(first + place, len(corpus.codes) - 1)]]
        fits |= ok
    return fits
