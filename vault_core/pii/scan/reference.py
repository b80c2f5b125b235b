"""The reference pass: every detector's matches found and judged one by one in Python.

For a few short texts it is faster than the columnar pass's fixed cost (a few ms per call), and
it is the reference the columnar pass is tested against, text by text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import numpy as np

from vault_core.pii.detectors import (
    CONTEXT_AFTER,
    CONTEXT_BOOST,
    CONTEXT_WINDOW,
    DETECTOR_PREFIX,
    PatternDetector,
)
from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits
from vault_core.pii.offline import sanitize
from vault_core.pii.placeholders import context_text
from vault_core.pii.scan.judge import python_search, regex_width
from vault_core.pii.validators import Values

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def scan_small(
    texts: Sequence[str],
    active: Sequence[PatternDetector],
    threshold: float,
    hinted: Sequence[np.ndarray],
) -> Hits:
    """The columnar scan the obvious way, match by match in Python: for a few short texts it
    is faster than the columnar pass's fixed cost (a few ms per call), and it is the reference
    the columnar pass is tested against."""
    rows: list[tuple[int, int, int, int, int, float]] = []
    for number, raw in enumerate(texts):
        # As the columnar pass reads texts: lone surrogates as U+FFFD, \x01 and \x02 as \x1a.
        text = sanitize(raw).replace("\x01", "\x1a").replace("\x02", "\x1a")
        # Context words are looked for where no placeholder hides them (same offsets).
        context = context_text(text)
        for index, detector in enumerate(active):
            for match in python_search(detector.search).finditer(text):
                start, end = match.span(2)
                hint = bool(hinted[index][number])
                found = _judge_one(detector, text, context, start, end, hint)
                if found is not None and found[2] >= threshold:
                    entity = ENTITY_NAMES.code(detector.entity_type)
                    name = DETECTOR_NAMES.code(DETECTOR_PREFIX + detector.name)
                    rows.append((number, found[0], found[1], entity, name, found[2]))
    return Hits.from_rows(rows)


def _judge_one(
    detector: PatternDetector, text: str, context: str, start: int, end: int, hinted: bool
) -> tuple[int, int, float] | None:
    """``(start, end, score)`` of one match that passes the detector's checks, else None
    (``context``: the text where its context words are looked for, see
    :func:`~vault_core.pii.placeholders.context_text`)."""
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
    if follows is not None and not python_search(follows).match(text, end):
        return None
    score = detector.score
    before = context[max(0, start - CONTEXT_WINDOW) : start].translate(_ASCII_LOWER)
    after = context[end : end + CONTEXT_AFTER].translate(_ASCII_LOWER)
    if (
        hinted
        or any(word in before or word in after for word in detector.context)
        or (
            detector.before is not None
            and python_search(f"(?:{detector.before})\\Z").search(
                text[max(0, start - regex_width(detector.before)) : start]
            )
        )
    ):
        score = min(1.0, score + CONTEXT_BOOST)
    return start, end, score
