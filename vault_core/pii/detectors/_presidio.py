"""Run any Presidio ``EntityRecognizer`` inside vault's engine, text by text.

Presidio's predefined recognizers (``UkNinoRecognizer``, ``EsNifRecognizer``...) and a user's
own run on the engine's slow path (their regexes use lookarounds Rust's regex lacks, and many
validate in Python); their findings, named ``presidio:<recognizer name>``, join vault's in
overlap resolution.

Presidio raises scores by context in its ``AnalyzerEngine`` (from spaCy lemmas), not in the
recognizer: here a recognizer's ``context`` words raise a score as vault's context words do.
Recognizers that need spaCy's NLP artifacts (``SpacyRecognizer`` and the like) get none and are
not supported.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping, Sequence
from importlib import metadata
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from vault_core.pii.detectors._text import Span, TextDetector
from vault_core.pii.exceptions import DetectorError
from vault_core.pii.finding import PRESIDIO_DETECTOR_PREFIX

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

KNOWN_SHADOWED_INSIDE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    # Ten digits in 3-3-4 groups pass the NHS checksum one time in eleven.
    {"UK_NHS": ("PHONE_NUMBER",)}
)
"""``shadowed_inside`` of entity types Presidio's predefined recognizers report, used when an
adapter is not given its own."""


class PresidioDetector(TextDetector):
    """A Presidio ``EntityRecognizer`` as a vault detector.

    Example::

        from presidio_analyzer.predefined_recognizers import UkNinoRecognizer

        registry = DetectorRegistry.default()
        registry.add(PresidioDetector(UkNinoRecognizer()))
        engine = PiiEngine(PiiEngineConfig(mode="patterns"), detectors=registry)

    Args:
        recognizer: The recognizer; it is called as ``recognizer.analyze(text, entities, None)``.
        shadowed_inside: Entity types that explain a finding of the recognizer's types lying
            inside one of theirs; default: :data:`KNOWN_SHADOWED_INSIDE` of its types.
    """

    def __init__(
        self, recognizer: EntityRecognizer, *, shadowed_inside: Sequence[str] | None = None
    ) -> None:
        self.recognizer = recognizer
        self.name: str = PRESIDIO_DETECTOR_PREFIX + str(getattr(recognizer, "name", ""))
        self.entity_types = frozenset(recognizer.supported_entities)
        self.context = tuple(str(word).lower() for word in (recognizer.context or ()))
        if shadowed_inside is None:
            shadowed_inside = sorted(
                {t for e in self.entity_types for t in KNOWN_SHADOWED_INSIDE.get(e, ())}
            )
        self.shadowed_inside = tuple(shadowed_inside)

    @classmethod
    def predefined(cls, class_name: str) -> PresidioDetector:
        """The adapter of one of Presidio's predefined recognizers, built with its defaults.

        Raises:
            DetectorError: If ``presidio_analyzer.predefined_recognizers`` has no such class.
        """
        from presidio_analyzer import EntityRecognizer, predefined_recognizers

        from vault_core.pii import offline

        offline.quiet_presidio_logging()
        offline.configure_tldextract_offline()
        found = getattr(predefined_recognizers, class_name, None)
        if not (isinstance(found, type) and issubclass(found, EntityRecognizer)):
            raise DetectorError(
                f"presidio_analyzer.predefined_recognizers has no recognizer {class_name!r}; "
                "give a class name such as UkNinoRecognizer"
            )
        recognizer: Any = found
        return cls(recognizer())

    def spans(self, text: str, entities: frozenset[str]) -> Sequence[Span]:
        wanted = sorted(entities & self.entity_types)
        if not wanted:
            return []
        # No NLP artifacts: pattern recognizers do not read them (see the module docstring).
        results = self.recognizer.analyze(text, wanted, None)  # type: ignore[arg-type]
        return [(r.start, r.end, r.entity_type, r.score) for r in results or ()]

    def to_digest(self) -> dict[str, object]:
        recognizer = self.recognizer
        kind = type(recognizer)
        try:
            source = hashlib.sha256(inspect.getsource(kind).encode()).hexdigest()
        except (OSError, TypeError):  # defined in a REPL or notebook cell
            source = None
        patterns: list[Any] = [
            [p.name, p.regex, p.score] for p in getattr(recognizer, "patterns", None) or ()
        ]
        return {
            "kind": "presidio",
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "class_source": source,
            "presidio_analyzer": metadata.version("presidio_analyzer"),
            "name": self.name,
            "entities": sorted(self.entity_types),
            "context": list(self.context),
            "patterns": patterns,
            "deny_list": list(getattr(recognizer, "deny_list", None) or ()),
            "shadowed_inside": list(self.shadowed_inside),
        }
