"""The anonymized stage's parts made fast in issue 13 (item 5): the audit of passthrough columns
and the findings handed out per sealed object."""

from __future__ import annotations

import json
from random import Random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from vault_core import columns
from vault_core.pii import FINDINGS_SCHEMA, Finding, PiiEngine, PiiEngineConfig, findings_to_table
from vault_core.stages import OBJECT_ADDRESS, audit
from vault_core.stages.anonymized import _REPEATED_STRINGS, _FindingsByObject
from vault_demo.synthetic import _build_pools, _ticket_lines

PATTERNS = PiiEngine(PiiEngineConfig(mode="patterns"))


@pytest.fixture(scope="module")
def tickets() -> pa.Table:
    """Synthetic ticket texts, dense in PII of every type the demo plants."""
    lines, _ = _ticket_lines(Random(13), _build_pools(13), 1500)
    rows = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            rows.append(record)
    texts = {
        name: pa.array([str(row.get(name) or "") for row in rows], pa.string())
        for name in ("subject", "body", "created_at")
    }
    ids = pa.array([str(i) for i in range(len(rows))], pa.string())
    return pa.table({"record_id": ids, **texts})


def test_when_passthrough_holds_pii_then_audit_reports_the_direct_identifiers_a_full_scan_keeps(
    tickets: pa.Table,
) -> None:
    # Every column declared passthrough: the audit scans them for direct identifiers only.
    plan = columns.ColumnPlan(text=[], entity={}, passthrough=["subject", "body", "created_at"])
    found = audit(tickets, plan, PATTERNS)
    full = PATTERNS.detect_table(tickets, text_columns=plan.passthrough)
    kept = full.filter(pc.is_in(full["entity_type"], pa.array(sorted(columns.DIRECT_IDENTIFIERS))))
    assert kept.num_rows > 500  # the corpus does hold direct identifiers

    def spans(table: pa.Table) -> list[tuple[object, ...]]:
        names = ["record_id", "column", "start", "end", "entity_type"]
        return sorted(zip(*(table[name].to_pylist() for name in names), strict=True))

    assert spans(found) == spans(kept)


def test_when_text_and_passthrough_columns_are_audited_then_text_columns_count_every_type(
    tickets: pa.Table,
) -> None:
    plan = columns.ColumnPlan(text=["body"], entity={}, passthrough=["created_at"])
    found = audit(tickets.select(["record_id", "body", "created_at"]), plan, PATTERNS)
    by_column = set(zip(found["column"].to_pylist(), found["entity_type"].to_pylist(), strict=True))
    assert ("body", "DATE_TIME") in by_column
    assert not any(column == "created_at" for column, _ in by_column)


def _findings(rows: list[tuple[str, str]]) -> pa.Table:
    """Findings of ``(record id, object address)`` rows, one span each."""
    table = findings_to_table(
        [
            (record, "body", Finding(0, 1 + i, "PERSON", 0.9, "x"))
            for i, (record, _) in enumerate(rows)
        ]
    )
    return table.append_column(OBJECT_ADDRESS, pa.array([address for _, address in rows]))


def _as_read(table: pa.Table) -> pa.Table:
    """``table`` as the stage reads it: repeated strings dictionary-encoded, in two chunks whose
    dictionaries differ (one per row group)."""
    half = table.num_rows // 2
    chunks = [table.slice(0, half), table.slice(half)]
    encoded = []
    for chunk in chunks:
        for name in _REPEATED_STRINGS:
            index = chunk.schema.get_field_index(name)
            chunk = chunk.set_column(index, name, pc.dictionary_encode(chunk[name]))
        encoded.append(chunk)
    return pa.concat_tables(encoded)


@pytest.mark.parametrize("read", [False, True])
@pytest.mark.parametrize("grouped", [True, False])
def test_when_findings_are_split_by_object_then_each_object_gets_its_own_in_table_order(
    grouped: bool, read: bool
) -> None:
    rows = [("a", "o1"), ("b", "o1"), ("c", "o2"), ("d", "o3"), ("e", "o3")]
    if not grouped:  # the table holds no promise of order
        rows = [rows[3], rows[0], rows[2], rows[4], rows[1]]
    table = _findings(rows)
    by_object = _FindingsByObject(_as_read(table) if read else table)
    assert by_object.columns == {"body"}
    for address in ("o1", "o2", "o3"):
        part = by_object.of(address)
        assert part.schema == FINDINGS_SCHEMA
        expected = [(r, i + 1) for i, (r, a) in enumerate(rows) if a == address]
        assert (
            list(zip(part["record_id"].to_pylist(), part["end"].to_pylist(), strict=True))
            == expected
        )
    assert by_object.of("o4").num_rows == 0


def test_when_a_partition_has_no_findings_then_every_object_gets_none() -> None:
    empty = FINDINGS_SCHEMA.empty_table().append_column(OBJECT_ADDRESS, pa.array([], pa.string()))
    by_object = _FindingsByObject(empty)
    assert by_object.columns == set()
    assert by_object.of("o1").num_rows == 0


def test_when_cells_are_known_clean_then_the_audit_reports_the_same_findings(
    tickets: pa.Table,
) -> None:
    # The fail-closed audit skips cells the policy left unchanged where the same engine found
    # nothing: it must report exactly what a scan of every cell reports, leftovers included.
    from vault_core.pii import anonymize_table
    from vault_core.pii.policy import PRESETS
    from vault_core.stages.anonymized import _clean_cells

    text = ["subject", "body"]
    plan = columns.ColumnPlan(text=text, entity={}, passthrough=["created_at"])
    findings = PATTERNS.detect_table(tickets, text_columns=text)
    policy = PRESETS["default"]
    anonymized, _ = anonymize_table(tickets, findings, policy, columns=text)
    # Leftovers of both kinds: cells put back as they were (unchanged, with findings) and PII
    # written into rewritten cells and into cells without findings.
    body = anonymized["body"].to_pylist()
    subject = anonymized["subject"].to_pylist()
    original = tickets["body"].to_pylist()
    flagged = set(findings["record_id"].to_pylist())
    with_pii = [i for i in range(len(body)) if str(i) in flagged]
    for i in with_pii[:40]:
        body[i] = original[i]
    for i in with_pii[40:80]:
        body[i] += " Mail me at lee.doe@example.org."
    for i in range(0, len(subject), 50):
        subject[i] = f"{subject[i]} card 4111 1111 1111 1111"
    leaky = anonymized.set_column(anonymized.schema.get_field_index("body"), "body", pa.array(body))
    leaky = leaky.set_column(leaky.schema.get_field_index("subject"), "subject", pa.array(subject))

    clean = _clean_cells(tickets, leaky, findings, text)
    assert pc.sum(clean["subject"]).as_py() > 0.9 * tickets.num_rows  # most scans are skipped
    assert not any(clean["body"].to_pylist()[i] for i in with_pii[:80])

    def spans(table: pa.Table) -> list[tuple[object, ...]]:
        names = ["record_id", "column", "start", "end", "entity_type", "score", "detector"]
        return sorted(zip(*(table[name].to_pylist() for name in names), strict=True))

    full = audit(leaky, plan, PATTERNS)
    assert full.num_rows > 100
    assert spans(audit(leaky, plan, PATTERNS, clean=clean)) == spans(full)
    # Rows not the records' (a policy that suppresses rows): nothing is skipped.
    assert _clean_cells(tickets, leaky.slice(1), findings, text) == {}
