"""Per-text detectors: run text by text in Python on the engine's slow path.

A :class:`TextDetector` sees one text at a time (a Presidio recognizer through
:class:`~vault_core.pii.detectors.PresidioDetector`, or a user's own Python) and its findings
join the pattern detectors' in overlap resolution. It costs a Python call per text: pattern
detectors that fit :class:`~vault_core.pii.detectors.PatternDetector` run in the columnar pass
instead, which is one to two orders of magnitude faster.
"""

from __future__ import annotations

import string
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vault_core.pii.detectors._pattern import CONTEXT_AFTER, CONTEXT_BOOST, CONTEXT_WINDOW
from vault_core.pii.placeholders import context_text

if TYPE_CHECKING:
    from vault_core.pii.hits import Hits

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

Span = tuple[int, int, str, float]
"""``(start, end, entity_type, score)`` of one finding in a text (``str`` offsets)."""


class TextDetector(ABC):
    """A detector called once per text.

    Attributes:
        name: Detector name as reported in findings, e.g. ``presidio:UkNinoRecognizer``
            (unique in a registry; it holds a ``:``, which pattern detector names never do).
        entity_types: Entity types it can report.
        context: Lower-case words that raise a finding's score by ``CONTEXT_BOOST`` when one
            lies within ``CONTEXT_WINDOW`` characters before it or ``CONTEXT_AFTER`` after it
            (outside the policy's placeholders), or in the group's hint (the column name), as
            for pattern detectors.
        shadowed_inside: Entity types that explain a finding of one of its types lying inside
            one of theirs (see ``PatternDetector.shadowed_inside``).
    """

    name: str
    entity_types: frozenset[str]
    context: tuple[str, ...] = ()
    shadowed_inside: tuple[str, ...] = ()

    @abstractmethod
    def spans(self, text: str, entities: frozenset[str]) -> Sequence[Span]:
        """The findings in ``text`` of the requested ``entities``, scored before context."""

    @abstractmethod
    def to_digest(self) -> dict[str, object]:
        """JSON-able data that changes whenever what the detector finds may change."""

    def find(self, text: str, entities: frozenset[str], *, hinted: bool = False) -> list[Span]:
        """:meth:`spans` of ``text``, each score raised if a context word is near it (or
        ``hinted``: the text's hint holds one)."""
        found = []
        spans = self.spans(text, entities)
        # Context words are looked for where no placeholder hides them (same offsets).
        context = context_text(text) if spans and self.context and not hinted else text
        for start, end, entity, score in spans:
            if entity not in entities or not 0 <= start < end <= len(text):
                continue
            if self.context and score < 1.0 and (hinted or self._near_context(context, start, end)):
                score = min(1.0, score + CONTEXT_BOOST)
            found.append((start, end, entity, float(score)))
        return found

    def _near_context(self, context: str, start: int, end: int) -> bool:
        """Whether a context word lies near ``[start, end)`` in ``context`` (the text with its
        placeholders hidden, see :func:`~vault_core.pii.placeholders.context_text`)."""
        before = context[max(0, start - CONTEXT_WINDOW) : start].translate(_ASCII_LOWER)
        after = context[end : end + CONTEXT_AFTER].translate(_ASCII_LOWER)
        return any(word in before or word in after for word in self.context)


def text_detector_hits(
    detectors: Sequence[TextDetector],
    texts: Sequence[str],
    hints: Sequence[str],
    *,
    entities: frozenset[str],
    threshold: float,
) -> Hits:
    """Findings of per-text detectors in each text (``hints``: each text's hint, such as its
    column name), as hits numbered like ``texts``; findings below ``threshold`` dropped."""
    from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits

    rows: list[tuple[int, int, int, int, int, float]] = []
    for detector in detectors:
        wanted = entities & detector.entity_types
        if not wanted:
            continue
        name = DETECTOR_NAMES.code(detector.name)
        lifted: dict[str, bool] = {}
        for number, text in enumerate(texts):
            hint = hints[number]
            if hint not in lifted:
                lifted[hint] = any(word in hint.lower() for word in detector.context)
            for start, end, entity, score in detector.find(text, wanted, hinted=lifted[hint]):
                if score >= threshold:
                    rows.append((number, start, end, ENTITY_NAMES.code(entity), name, score))
    return Hits.from_rows(rows)
