"""Run the pattern detectors over many texts at once, column-wise.

Presidio runs every recognizer on every text in a Python loop. Here each detector's *gate* (a
necessary condition, a Rust regex) is tested on the whole column by polars in one call, and the
Python regex then runs only on the texts the gate let through, found by position in one joined
string (``pattern.finditer(joined, pos, endpos)``: no per-text copies). Python only sees
candidates: validators (checksums, IP parsing) and context words run per match.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

import numpy as np

from vault_core.pii.finding import Finding
from vault_core.pii.offline import sanitize
from vault_core.pii.patterns import (
    CONTEXT_AFTER,
    CONTEXT_BOOST,
    CONTEXT_WINDOW,
    DETECTORS,
    PatternDetector,
)

DETECTOR_PREFIX = "vault:"
"""Prefix of the names of vault's pattern detectors, e.g. ``vault:Email``."""

# Joins the texts: no detector matches across it (no pattern admits NUL, and newlines end
# every "word" character class used for boundaries).
_SEPARATOR = "\n\x00\n"
# Above this share of texts passing a gate, one scan of the joined string beats one call per
# candidate text.
_WHOLE_SCAN_SHARE = 0.5
# Texts longer than twice this are gated in runs of lines of about this many characters.
_SEGMENT_CHARS = 1_024


def pattern_entities(detectors: Iterable[PatternDetector] = DETECTORS) -> frozenset[str]:
    """Entity types the pattern detectors can report."""
    return frozenset(detector.entity_type for detector in detectors)


def context_words(detectors: Iterable[PatternDetector] = DETECTORS) -> frozenset[str]:
    """Every single-word context word of the detectors (lower case)."""
    return frozenset(w for d in detectors for w in d.context if " " not in w)


def scan_texts(
    texts: Sequence[str],
    *,
    entities: frozenset[str],
    threshold: float,
    hint: str = "",
    detectors: Sequence[PatternDetector] = DETECTORS,
) -> list[list[Finding]]:
    """Pattern findings of each text (not yet resolved against each other).

    Args:
        texts: Non-empty strings (lone surrogates allowed; offsets are ``str`` indices).
        entities: Entity types to report.
        threshold: Findings scoring below this are dropped.
        hint: Extra context for every text, e.g. the column name ``"zip"`` of structured cells.
        detectors: The detectors to run.
    """
    found: list[list[Finding]] = [[] for _ in texts]
    active = [d for d in detectors if d.entity_type in entities]
    if not texts or not active:
        return found
    starts: list[int] = []
    position = 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_SEPARATOR)
    import polars as pl  # imported on first scan: importing vault_core.pii stays cheap

    joined = _SEPARATOR.join(texts)
    # Rows the gates test: whole texts, and long texts cut into runs of lines (see _segments).
    owners: list[int] = []
    bounds: list[tuple[int, int]] = []
    for index, text in enumerate(texts):
        for seg_start, seg_end in _segments(text):
            owners.append(index)
            bounds.append((starts[index] + seg_start, starts[index] + seg_end))
    # polars needs valid UTF-8; replacing lone surrogates keeps every text's length.
    rows = [sanitize(joined[begin:end]) for begin, end in bounds]
    frame = pl.DataFrame({"text": rows}, schema={"text": pl.String})
    gates = sorted({d.gate for d in active if d.gate is not None})
    # One select evaluates every gate over the column in a single polars call (in parallel);
    # one call per gate cost more than the regexes themselves on columns of short cells.
    tested = frame.select(
        pl.col("text").str.contains(gate).fill_null(False).alias(str(i))
        for i, gate in enumerate(gates)
    )
    masks: dict[str, np.ndarray] = {
        gate: tested.get_column(str(i)).to_numpy() for i, gate in enumerate(gates)
    }
    hint = hint.lower()
    for detector in active:
        if detector.gate is None:
            candidates: Sequence[int] | None = None
        else:
            picked = np.flatnonzero(masks[detector.gate])
            if len(picked) == 0:
                continue
            candidates = None if len(picked) > _WHOLE_SCAN_SHARE * len(rows) else picked.tolist()
        if candidates is None:
            matches = detector.regex.finditer(joined)
            for match in matches:
                index = bisect_right(starts, match.start()) - 1
                _accept(detector, joined, starts[index], len(texts[index]), match.start(),
                        match.end(), threshold, hint, found[index])  # fmt: skip
        else:
            for row in candidates:
                index = owners[row]
                begin, end = bounds[row]
                # Lookbehinds still see the text before ``begin``: ``finditer(s, pos, endpos)``
                # is not slicing. A segment ends after a line break, which no pattern crosses.
                for match in detector.regex.finditer(joined, begin, end):
                    _accept(detector, joined, starts[index], len(texts[index]), match.start(),
                            match.end(), threshold, hint, found[index])  # fmt: skip
    return found


def _segments(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the rows the gates test for ``text``: the whole text if it is short,
    else runs of whole lines of about ``_SEGMENT_CHARS`` (a longer line is one run).

    No detector's pattern admits a line break, so every match lies inside one line, and a gate
    (a necessary condition of a match) passes on the run holding it. Without this, a long
    document passed every gate and every Python regex scanned all of it."""
    if len(text) <= 2 * _SEGMENT_CHARS:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        cut = text.find("\n", start + _SEGMENT_CHARS)
        end = len(text) if cut < 0 else cut + 1
        spans.append((start, end))
        start = end
    return spans


def _accept(
    detector: PatternDetector,
    joined: str,
    text_start: int,
    text_length: int,
    start: int,
    end: int,
    threshold: float,
    hint: str,
    out: list[Finding],
) -> None:
    if end > text_start + text_length or end <= start:
        return
    if detector.validate is not None:
        length = detector.validate(joined[start:end])
        if length <= 0:
            return
        end = start + length
    score = detector.score
    if detector.context or detector.before is not None:
        window = joined[max(text_start, start - CONTEXT_WINDOW) : start]
        # Context also follows values ("I typed 123456789 as my SSN"), as in Presidio.
        after = joined[end : min(text_start + text_length, end + CONTEXT_AFTER)]
        lowered = window.lower() + " " + after.lower()
        if any(word in lowered or word in hint for word in detector.context) or (
            detector.before is not None and detector.before.search(window) is not None
        ):
            score = min(1.0, score + CONTEXT_BOOST)
    if score < threshold:
        return
    out.append(
        Finding(
            start - text_start,
            end - text_start,
            detector.entity_type,
            score,
            DETECTOR_PREFIX + detector.name,
        )
    )
