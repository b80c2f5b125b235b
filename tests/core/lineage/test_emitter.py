"""The emitter: events appended to a file as JSON lines; a transport error is returned and
logged as its type, never raised."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.core.lineage.schema import errors
from vault_core.lineage import LineageEmitter, Parent

PARENT = Parent("vault", "vault_all", "0b9bd1d4-1b0f-4c0b-9a7a-3e8f0a1b2c3d")


def test_file_transport_appends_one_valid_event_a_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    emitter = LineageEmitter.to_file(str(path), namespace="team")
    run = emitter.run("people/raw", parent=PARENT, engine=("dagster", "1.13.0"))
    run.start()
    run.fail("people/raw: 2 rows quarantined")
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["eventType"], e["job"]["namespace"], e["run"]["runId"]) for e in events] == [
        ("START", "team", run.run_id),
        ("FAIL", "team", run.run_id),
    ]
    assert events[1]["run"]["facets"]["errorMessage"]["message"] == "people/raw: 2 rows quarantined"
    assert all(errors(e) == [] for e in events)
    assert run.errors == []


def test_when_the_transport_fails_then_the_error_type_is_kept_and_nothing_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    emitter = LineageEmitter.to_file(str(tmp_path / "taken" / "events.jsonl"))
    run = emitter.run("people/anonymized")
    with caplog.at_level(logging.WARNING):
        run.start()
        run.complete()
    assert run.errors == ["RuntimeError", "RuntimeError"]
    assert [r.getMessage() for r in caplog.records] == [
        "OpenLineage START event of people/anonymized not sent: RuntimeError",
        "OpenLineage COMPLETE event of people/anonymized not sent: RuntimeError",
    ]
