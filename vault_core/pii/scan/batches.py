"""Scan many texts with the pattern detectors: texts numbered across groups (a table's columns),
cut into batches of bounded size, each scanned by the columnar pass or, when small, the
reference pass."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.detectors import PatternDetector, default_detectors
from vault_core.pii.finding import Finding
from vault_core.pii.hits import Hits
from vault_core.pii.joined_text import Corpus
from vault_core.pii.scan.columnar import start_columnar
from vault_core.pii.scan.reference import scan_small

# Batches up to this many characters are scanned match by match in Python (scan_small).
_SMALL_CHARS = 2_048
# Texts are scanned in batches of about this many characters (bounded memory).
_BATCH_CHARS = 4 * 1024 * 1024

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
    detectors: Sequence[PatternDetector] | None = None,
    joined: Texts | None = None,
) -> Hits:
    """Pattern findings (not yet resolved) of several ``(texts, hint)`` groups, the columns of a
    table, with the texts of all groups numbered one after another. One pass over all groups:
    one Rust scan per detector, instead of one per detector and group. A group's hint is extra
    context for each of its texts, such as the column name ``"zip"``. ``joined``:
    :func:`joined_texts` of the groups, if the caller has it already. ``detectors``: the
    pattern detectors to run (default: vault's own)."""
    if detectors is None:
        detectors = default_detectors()
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
    # Each batch's selects are queued before the previous batch is judged: polars scans the
    # next batch while this thread judges (one batch ahead: two batches' texts in memory).
    with ThreadPoolExecutor(max_workers=1) as scanner:
        started: list[tuple[int, Callable[[], Hits]]] = []
        for begin, end in _batches(lengths):
            started.append((begin, _start_batch(
                texts[begin:end], lengths[begin:end], active, threshold,
                [flags[begin:end] for flags in hinted], scanner,
            )))  # fmt: skip
            if len(started) == 2:
                parts.append(_finished(*started.pop(0)))
        parts.extend(_finished(*batch) for batch in started)
    return Hits.concat(parts)


def _finished(begin: int, finish: Callable[[], Hits]) -> Hits:
    part = finish()
    return replace(part, text=part.text + begin)


def scan_texts(
    texts: Sequence[str],
    *,
    entities: frozenset[str],
    threshold: float,
    hint: str = "",
    detectors: Sequence[PatternDetector] | None = None,
) -> list[list[Finding]]:
    """Pattern findings of each text (not yet resolved against each other), ordered by start.

    Args:
        texts: Strings (lone surrogates allowed; offsets are ``str`` indices).
        entities: Entity types to report.
        threshold: Findings scoring below this are dropped.
        hint: Extra context for every text, e.g. the column name ``"zip"`` of structured cells.
        detectors: The pattern detectors to run (default: vault's own).
    """
    hits = scan_groups([(texts, hint)], entities=entities, threshold=threshold, detectors=detectors)
    return hits.sorted().to_lists(len(texts))


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


def _start_batch(
    texts: Texts,
    lengths: np.ndarray,
    active: Sequence[PatternDetector],
    threshold: float,
    hinted: Sequence[np.ndarray],
    scanner: ThreadPoolExecutor,
) -> Callable[[], Hits]:
    """Start scanning one batch of texts; the function returned gives its hits (``text``
    numbered within the batch)."""
    if int(lengths.sum()) <= _SMALL_CHARS:
        small = texts.to_pylist() if isinstance(texts, pa.Array) else texts
        return functools.partial(scan_small, small, active, threshold, hinted)
    if isinstance(texts, pa.Array):
        corpus = Corpus.of_array(texts, lengths)
    else:
        corpus = Corpus.of_texts(texts, lengths)
    return start_columnar(corpus, active, threshold, hinted, scanner)


def _hinted(words: tuple[str, ...], hints: list[str], firsts: np.ndarray) -> np.ndarray:
    """Per text: whether its group's hint holds one of ``words``."""
    lifted = [any(word in hint for word in words) for hint in hints]
    return np.repeat(np.array(lifted, dtype=bool), np.diff(firsts))
