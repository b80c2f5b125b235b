"""The scan plan of the columnar pass: each detector's Rust regex and the haystack it is scanned
in (the whole text, or windows around digit runs), grouped into polars selects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from vault_core.pii.context_words import ContextWords
from vault_core.pii.detectors import PatternDetector
from vault_core.pii.joined_text import SEPARATOR
from vault_core.pii.placeholders import PLACEHOLDER
from vault_core.pii.regex_bounds import digit_run, first_characters, prefix_tail_characters, widest

if TYPE_CHECKING:
    import polars as pl

# Each match's value is wrapped in these; polars finds them (the texts hold neither).
MARKERS = ["\x01", "\x02"]
# Group 1 (what precedes), the value between the markers, group 3 (what follows).
_REPLACEMENT = "${1}\x01${2}\x02${3}"
# The whole match between the markers (see scan_form).
_WHOLE_REPLACEMENT = "\x01${0}\x02"
# Detectors scanned per polars select (a tier's detectors: the fewer selects, the fewer
# waits for a select's slowest scan). The marked copies stay inside polars, one per thread.
_DETECTORS_PER_SELECT = 8
WORDS = "context words"
"""The column of the first select that holds the context words' places (no detector name
holds a space)."""
PLACEHOLDERS = "placeholder spans"
"""The column of the first select that holds where the placeholders are (their context words do
not count, see :mod:`vault_core.pii.placeholders`)."""
# Detectors whose every match holds a run of at least ``k`` digits are scanned near runs of
# at least the highest tier <= k only; one haystack per tier, as wide as its widest detector.
_DIGIT_TIERS = (1, 4, 5)

HaystackKey = tuple[int, int] | None
"""``(least, width)`` of :meth:`~vault_core.pii.joined_text.Corpus.near_digits`, or None for
the whole text."""


@dataclass(frozen=True)
class ScanForm:
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
def scan_form(detector: PatternDetector) -> ScanForm:
    """The detector's Rust scan.

    A detector with only a ``lead`` is scanned as ``[^lead]value``, without capture groups:
    Rust's regex finds a match's groups with a second, slower engine. Every text in the
    joined corpus follows a line break, which no lead class holds, so ``[^lead]`` stands for
    the ``^`` alternative of :attr:`search` too. With ``lead_after`` the value alone is
    scanned (see :func:`vault_core.pii.scan.columnar._lead_checked`).

    A detector with a ``prefix`` whose characters after its first can never begin the value
    ("[^0-9] " before a card, "Age: " before a number) is scanned without groups too: where
    the value begins is read off the match (see ``columnar._value_start``)."""
    if detector.prefix is not None and detector.suffix is None:
        begins = first_characters(detector.pattern)
        tail = prefix_tail_characters(detector.prefix)
        if begins is not None and tail is not None and not begins & tail and 10 not in begins:
            regex = f"(?:{detector.prefix})(?:{detector.pattern})"
            return ScanForm(regex, _WHOLE_REPLACEMENT, value_begins=begins)
    if detector.prefix is not None or detector.suffix is not None:
        return ScanForm(detector.search, _REPLACEMENT)
    if detector.lead is None:
        return ScanForm(f"(?:{detector.pattern})", _WHOLE_REPLACEMENT)
    if re.fullmatch(detector.lead, SEPARATOR):
        raise ValueError(f"lead of {detector.name} must not hold a line break")
    if detector.lead_after:
        return ScanForm(f"(?:{detector.pattern})", _WHOLE_REPLACEMENT, lead_after=True)
    regex = f"[^{detector.lead[1:-1]}](?:{detector.pattern})"
    return ScanForm(regex, _WHOLE_REPLACEMENT, lead_inside=True)


@cache
def scan_expression(detector: PatternDetector) -> pl.Expr:
    """The polars expression of a detector's scan: where the markers around its values are in
    the marked haystack rows (built once per detector, not per select)."""
    import polars as pl  # imported on first scan: importing vault_core.pii stays cheap

    form = scan_form(detector)
    return (
        pl.col("text")
        .str.replace_all(form.regex, form.replacement)
        .str.find_many(MARKERS)
        .alias(detector.name)
    )


@cache
def words_expression(words: tuple[str, ...]) -> pl.Expr:
    """The expression finding the context words, in the first select (built once)."""
    return ContextWords.search(words).alias(WORDS)


@cache
def placeholders_expression() -> pl.Expr:
    """The expression finding the placeholders, in the first select beside the context words:
    where the markers around each are in the marked rows (as a detector's scan)."""
    import polars as pl

    return (
        pl.col("text")
        .str.replace_all(PLACEHOLDER, _WHOLE_REPLACEMENT)
        .str.find_many(MARKERS)
        .alias(PLACEHOLDERS)
    )


def haystack_plan(
    detectors: Sequence[PatternDetector],
) -> dict[tuple[int, int] | None, list[PatternDetector]]:
    """The detectors grouped by the haystack they are scanned in: ``(least, width)`` of
    :meth:`Corpus.near_digits`, or None for the whole text."""
    tiers: dict[int | None, list[PatternDetector]] = {}
    for detector in detectors:
        regex = scan_form(detector).regex
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
        plan[(tier, max(widest(scan_form(d).regex) or 0 for d in group))] = group
    return plan


def selects(
    plan: dict[tuple[int, int] | None, list[PatternDetector]],
) -> list[tuple[tuple[int, int] | None, list[PatternDetector]]]:
    """The selects run, in order: ``(haystack key, detectors)``. The first scans the whole
    text for the context words alone: every match is judged with them, so they come back
    before any detector's scan."""
    chunks: list[tuple[tuple[int, int] | None, list[PatternDetector]]] = [(None, [])]
    chunks.extend(
        (key, group[first : first + _DETECTORS_PER_SELECT])
        for key, group in plan.items()
        for first in range(0, len(group), _DETECTORS_PER_SELECT)
    )
    return chunks
