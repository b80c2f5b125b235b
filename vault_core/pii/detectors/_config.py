"""Which detectors an engine runs, as configuration (a dataset's ``pii.detectors``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from vault_core.pii.detectors._declared import DeclaredDetector

if TYPE_CHECKING:
    from vault_core.pii.detectors._registry import DetectorRegistry


class DetectorsConfig(BaseModel):
    """The detector set of an engine: vault's own, less some, plus declared and Presidio ones.

    Example (YAML, under a dataset's ``pii:``)::

        detectors:
          exclude: [UsPassport]
          declared:
            - name: EmployeeId
              entity: EMPLOYEE_ID
              patterns: [{name: badge, regex: "E-[0-9]{6}", score: 0.6}]
          presidio: [UkNinoRecognizer]
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    exclude: list[str] = Field(default_factory=list)
    """Names of vault's detectors not run (e.g. ``UsPassport``)."""
    declared: list[DeclaredDetector] = Field(default_factory=list)
    """Pattern detectors declared without code (the YAML form of ``load_detectors_yaml``)."""
    presidio: list[str] = Field(default_factory=list)
    """Presidio predefined recognizers run text by text, by class name (``UkNinoRecognizer``)."""
    phone_regions: list[str] | None = None
    """Regions (ISO 3166 alpha-2) whose national phone formats are found; ``None``: a broad
    default set (``DEFAULT_PHONE_REGIONS``: the EU, the UK, North America, Australia, India,
    Brazil and more)."""

    def registry(self) -> DetectorRegistry:
        """The registry this configuration describes.

        Raises:
            DetectorError: If an excluded name is not one of vault's detectors, a declared name
                is taken, or a Presidio recognizer does not exist.
        """
        from vault_core.pii.detectors._presidio import PresidioDetector
        from vault_core.pii.detectors._registry import DetectorRegistry

        registry = DetectorRegistry.default()
        if self.phone_regions is not None:
            registry = _with_phone_regions(registry, self.phone_regions)
        for name in self.exclude:
            registry.remove(name)
        for declared in self.declared:
            for detector in declared.detectors():
                registry.add(detector)
        for class_name in self.presidio:
            registry.add(PresidioDetector.predefined(class_name))
        return registry


def _with_phone_regions(registry: DetectorRegistry, regions: list[str]) -> DetectorRegistry:
    """The registry with its national phone detectors checking ``regions`` instead."""
    from vault_core.pii.detectors._registry import DetectorRegistry
    from vault_core.pii.detectors.phone import national_phone_detectors

    replacements = {d.name: d for d in national_phone_detectors(regions)}
    return DetectorRegistry(replacements.get(d.name, d) for d in registry)
