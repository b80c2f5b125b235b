"""PII detectors as plugins: one module per detector, a registry, declared and Presidio ones.

Every public module of this package is one of vault's detectors: it declares ``DETECTORS``, a
tuple of :class:`PatternDetector` (entity type, regex, validator, context words, score, what
explains a finding inside another). :func:`default_detectors` finds them all, so adding a
detector is adding a module (and its test). A :class:`DetectorRegistry` is the set an engine
runs: add or remove detectors, load pattern detectors declared in YAML, or add any Presidio
recognizer through :class:`PresidioDetector`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from vault_core.pii.detectors._config import DetectorsConfig as DetectorsConfig
from vault_core.pii.detectors._declared import NAMED_VALIDATORS as NAMED_VALIDATORS
from vault_core.pii.detectors._declared import DeclaredDetector as DeclaredDetector
from vault_core.pii.detectors._declared import DeclaredPattern as DeclaredPattern
from vault_core.pii.detectors._declared import load_detectors_yaml as load_detectors_yaml
from vault_core.pii.detectors._declared import parse_detectors_yaml as parse_detectors_yaml
from vault_core.pii.detectors._pattern import CONTEXT_AFTER as CONTEXT_AFTER
from vault_core.pii.detectors._pattern import CONTEXT_BOOST as CONTEXT_BOOST
from vault_core.pii.detectors._pattern import CONTEXT_WINDOW as CONTEXT_WINDOW
from vault_core.pii.detectors._pattern import DETECTOR_PREFIX as DETECTOR_PREFIX
from vault_core.pii.detectors._pattern import PatternDetector as PatternDetector
from vault_core.pii.detectors._presidio import PresidioDetector as PresidioDetector
from vault_core.pii.detectors._registry import Detector as Detector
from vault_core.pii.detectors._registry import DetectorRegistry as DetectorRegistry
from vault_core.pii.detectors._text import TextDetector as TextDetector
from vault_core.pii.exceptions import DetectorError

__all__ = [
    "CONTEXT_AFTER",
    "CONTEXT_BOOST",
    "CONTEXT_WINDOW",
    "DETECTOR_PREFIX",
    "NAMED_VALIDATORS",
    "DeclaredDetector",
    "DeclaredPattern",
    "Detector",
    "DetectorRegistry",
    "DetectorsConfig",
    "PatternDetector",
    "PresidioDetector",
    "TextDetector",
    "default_detectors",
    "load_detectors_yaml",
    "parse_detectors_yaml",
]


@cache
def default_detectors() -> tuple[PatternDetector, ...]:
    """Vault's own detectors: the ``DETECTORS`` of every public module of this package, by
    module name."""
    found: list[PatternDetector] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[0] != "_"):
        detectors = getattr(importlib.import_module(f"{__name__}.{module}"), "DETECTORS", None)
        if not isinstance(detectors, tuple) or not all(
            isinstance(d, PatternDetector) for d in detectors
        ):
            raise DetectorError(
                f"module {__name__}.{module} must declare DETECTORS, a tuple of PatternDetector"
            )
        found.extend(detectors)
    return tuple(found)
