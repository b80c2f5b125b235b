"""The detector set an engine runs: add, remove, load declared ones, digest."""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

from vault_core.pii.detectors._declared import load_detectors_yaml
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._text import TextDetector
from vault_core.pii.exceptions import DetectorError

Detector: TypeAlias = PatternDetector | TextDetector
"""A detector of a registry: a pattern run in the columnar pass, or a per-text detector."""


class DetectorRegistry:
    """An ordered set of detectors, unique by name.

    Example::

        registry = DetectorRegistry.default()
        registry.remove("UsPassport")
        registry.load_yaml("detectors/employee_id.yaml")
        engine = PiiEngine(PiiEngineConfig(mode="patterns"), detectors=registry)

    An engine keeps a copy: changing the registry afterwards does not change the engine.
    """

    def __init__(self, detectors: Iterable[Detector] = ()) -> None:
        self._detectors: dict[str, Detector] = {}
        for detector in detectors:
            self.add(detector)

    @classmethod
    def default(cls) -> DetectorRegistry:
        """A registry of vault's own pattern detectors (every module of this package)."""
        from vault_core.pii.detectors import default_detectors

        return cls(default_detectors())

    def add(self, detector: Detector) -> None:
        """Add a detector.

        Raises:
            DetectorError: If a detector of that name is already there.
        """
        if not isinstance(detector, PatternDetector | TextDetector):
            raise DetectorError(
                f"a {type(detector).__name__} is not a detector: give a PatternDetector, a "
                "TextDetector or a PresidioDetector"
            )
        if detector.name in self._detectors:
            raise DetectorError(f"a detector named {detector.name!r} is already registered")
        self._detectors[detector.name] = detector

    def remove(self, name: str) -> Detector:
        """Remove the detector called ``name`` (``Email``, ``presidio:UkNinoRecognizer``).

        Raises:
            DetectorError: If there is none.
        """
        try:
            return self._detectors.pop(name)
        except KeyError:
            raise DetectorError(
                f"no detector named {name!r}; registered: {sorted(self._detectors)}"
            ) from None

    def load_yaml(self, path: str | Path) -> list[PatternDetector]:
        """Add the pattern detectors declared in a YAML file and return them.

        Raises:
            DetectorYamlError: If the file is invalid (see ``load_detectors_yaml``).
            DetectorError: If one of its names is already registered.
        """
        added = [d for declared in load_detectors_yaml(path) for d in declared.detectors()]
        for detector in added:
            if detector.name in self._detectors:
                raise DetectorError(
                    f"{path}: a detector named {detector.name!r} is already registered"
                )
        for detector in added:
            self.add(detector)
        return added

    def copy(self) -> DetectorRegistry:
        """A registry of the same detectors."""
        return DetectorRegistry(self)

    def __iter__(self) -> Iterator[Detector]:
        return iter(self._detectors.values())

    def __len__(self) -> int:
        return len(self._detectors)

    def __contains__(self, name: object) -> bool:
        return name in self._detectors

    def __getitem__(self, name: str) -> Detector:
        try:
            return self._detectors[name]
        except KeyError:
            raise DetectorError(f"no detector named {name!r}") from None

    @property
    def names(self) -> list[str]:
        """Names of the detectors, in order."""
        return list(self._detectors)

    @property
    def patterns(self) -> tuple[PatternDetector, ...]:
        """The pattern detectors (the columnar pass), in order."""
        return tuple(d for d in self if isinstance(d, PatternDetector))

    @property
    def text_detectors(self) -> tuple[TextDetector, ...]:
        """The per-text detectors (the slow path), in order."""
        return tuple(d for d in self if isinstance(d, TextDetector))

    @property
    def entities(self) -> frozenset[str]:
        """Entity types the detectors can report."""
        return frozenset(
            entity
            for d in self
            for entity in ((d.entity_type,) if isinstance(d, PatternDetector) else d.entity_types)
        )

    @property
    def context_words(self) -> frozenset[str]:
        """Every single-word context word of the detectors (lower case)."""
        return frozenset(w for d in self for w in d.context if " " not in w)

    @property
    def shadowed_inside(self) -> Mapping[str, frozenset[str]]:
        """Entity type -> the types whose findings explain one of it lying inside them, from
        every detector's ``shadowed_inside``: what overlap resolution drops."""
        shadows: dict[str, set[str]] = {}
        for d in self:
            types = (d.entity_type,) if isinstance(d, PatternDetector) else d.entity_types
            for entity in types:
                if d.shadowed_inside:
                    shadows.setdefault(entity, set()).update(d.shadowed_inside)
        return MappingProxyType({k: frozenset(v) for k, v in sorted(shadows.items())})

    @property
    def digest(self) -> str:
        """A digest of what the detectors find: their definitions, in order, and the source of
        the modules holding their validators. It changes when a detector is added, removed
        or changed, and goes into the findings stage's code version."""
        modules = sorted(
            {
                d.validate.__module__
                for d in self.patterns
                if d.validate is not None and d.validate.__module__ in sys.modules
            }
        )
        sources = {name: _source_digest(name) for name in modules}
        data = {
            "detectors": [
                {"kind": "pattern", **d.to_digest()} if isinstance(d, PatternDetector)
                else d.to_digest()
                for d in self
            ],
            "validator_sources": sources,
        }  # fmt: skip
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def _source_digest(module: str) -> str | None:
    try:
        source = inspect.getsource(sys.modules[module])
    except (OSError, TypeError):  # a module without source (a notebook cell)
        return None
    return hashlib.sha256(source.encode()).hexdigest()
