"""Validate OpenLineage events against the spec's JSON schema (the vendored copy under
``tests/data/openlineage-spec``: ``openlineage-python`` ships none) and the vault facet's schema
shipped in ``vault_core/lineage``. Each facet is checked against the schema its ``_schemaURL``
names, resolved by ``$id``: a facet whose schema version is not in the copy fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import vault_core.lineage

SPEC = Path(__file__).resolve().parents[2] / "data" / "openlineage-spec"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


@cache
def registry() -> Registry:  # type: ignore[type-arg]
    files = [
        SPEC / "OpenLineage.json",
        *sorted((SPEC / "facets").glob("*.json")),
        Path(vault_core.lineage.__file__).parent / vault_core.lineage.VAULT_FACET_SCHEMA,
    ]
    resources = []
    for path in files:
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def _facets(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from event["run"].get("facets", {}).items()
    yield from event["job"].get("facets", {}).items()
    for dataset in [*event.get("inputs", []), *event.get("outputs", [])]:
        for group in ("facets", "inputFacets", "outputFacets"):
            yield from dataset.get(group, {}).items()


def errors(event: dict[str, Any]) -> list[str]:
    """Every schema violation of ``event`` and its facets (empty: valid)."""
    found = [
        f"event: {e.message}"
        for e in Draft202012Validator({"$ref": RUN_EVENT}, registry=registry()).iter_errors(event)
    ]
    for name, facet in _facets(event):
        validator = Draft202012Validator({"$ref": facet["_schemaURL"]}, registry=registry())
        found += [f"facet {name}: {e.message}" for e in validator.iter_errors(facet)]
    return found
