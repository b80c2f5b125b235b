"""Facets built from what the stages report: column lineage from the column plan and the
policy, and every facet valid against its schema."""

from __future__ import annotations

import json
from typing import Any

from openlineage.client.serde import Serde

from tests.core.lineage.schema import errors
from vault_core.columns import ColumnPlan
from vault_core.lineage import (
    DatasetId,
    LineageEmitter,
    VaultDatasetFacet,
    assertions,
    column_lineage,
)
from vault_core.pii import Generalize, KAnonymity, Mask, Policy, Surrogate

RAW = DatasetId("file", "/v/datasets/people/raw_manifest")
POLICY = Policy(
    name="people",
    entities={"PHONE_NUMBER": Mask(keep_last=4)},
    columns={"name": Surrogate(), "zip": Generalize(zip_digits=3)},
    k_anonymity=KAnonymity(quasi_identifiers=("zip",), k=3),
)
PLAN = ColumnPlan(
    text=["bio"], entity={"name": "PERSON", "zip": "ZIP_CODE"}, passthrough=["id"], dropped=["blob"]
)
COLUMNS = ["record_id", "id", "name", "zip", "bio", "partition"]


def _dumped(facet: Any) -> dict[str, Any]:
    return json.loads(Serde.to_json(facet))


def _transformations(facet: dict[str, Any], column: str) -> list[tuple[str, str, bool | None]]:
    (field,) = facet["fields"][column]["inputFields"]
    assert (field["namespace"], field["name"], field["field"]) == (RAW.namespace, RAW.name, column)
    return [(t["subtype"], t["description"], t.get("masking")) for t in field["transformations"]]


def test_column_lineage_names_each_raw_column_and_its_operator() -> None:
    facet = _dumped(column_lineage(PLAN, POLICY, RAW, COLUMNS))
    assert set(facet["fields"]) == set(COLUMNS)  # the dropped column has no lineage
    assert _transformations(facet, "id") == [("IDENTITY", "copied unchanged", False)]
    assert _transformations(facet, "name") == [("TRANSFORMATION", "surrogate (PERSON)", True)]
    assert _transformations(facet, "bio") == [
        ("TRANSFORMATION", "replace (each finding); PHONE_NUMBER: mask", True)
    ]
    assert _transformations(facet, "zip") == [
        ("TRANSFORMATION", "generalize (ZIP_CODE)", True),
        ("TRANSFORMATION", "generalized to k=3 (k-anonymity)", True),
    ]
    (suppression,) = facet["dataset"]
    assert (suppression["field"], suppression["transformations"][0]["subtype"]) == ("zip", "FILTER")


def test_every_facet_validates_against_its_schema() -> None:
    class Kept:
        kind = "kept"

        def __init__(self) -> None:
            self.event: dict[str, Any] = {}

        def emit(self, event: Any) -> None:
            self.event = json.loads(Serde.to_json(event))

    from openlineage.client.event_v2 import InputDataset, OutputDataset

    transport = Kept()
    run = LineageEmitter(transport).run(  # type: ignore[arg-type]
        "people/anonymized",
        inputs=[
            InputDataset(
                RAW.namespace,
                RAW.name,
                inputFacets={"dataQualityAssertions": assertions({"no_pii_left": (True, "ERROR")})},
            )
        ],
        outputs=[
            OutputDataset(
                "file",
                "/v/datasets/people/anonymized",
                facets={
                    "columnLineage": column_lineage(PLAN, POLICY, RAW, COLUMNS),
                    "vault": VaultDatasetFacet(
                        stage="anonymized", dataVersion="b3:00", counts={"rows": 3}
                    ),
                },
            )
        ],
    )
    run.complete()
    assert transport.event["outputs"][0]["facets"]["vault"]["counts"] == {"rows": 3}
    assert errors(transport.event) == []
    transport.event["outputs"][0]["facets"]["vault"]["counts"] = {"rows": "three"}
    assert errors(transport.event) == ["facet vault: 'three' is not of type 'integer'"]
