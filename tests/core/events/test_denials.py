"""Denials in the audit log become ``vault.access.denied.v1`` events, once each, with the
principal as a keyed digest."""

from __future__ import annotations

from pathlib import Path

from vault_core.audit import AuditLog
from vault_core.events import Outbox, derive_denial_events

KEY = bytes(32)


def test_when_denials_are_audited_then_one_event_each_without_the_principal_name(
    tmp_path: Path,
) -> None:
    log = AuditLog(str(tmp_path / "audit"))
    for decision in ("allow", "deny", "deny"):
        log.record(
            principal="kim.doe@example.net",
            tenant="acme",
            action="dataset:read_raw",
            resource="dataset chats",
            dataset="chats",
            decision=decision,
            reason="forbidden by clearance",
        )
    outbox = Outbox(tmp_path / "events")
    assert derive_denial_events(log, outbox, KEY) == 2
    assert derive_denial_events(log, outbox, KEY) == 0  # the cursor moved: nothing twice
    events = [stored.envelope for stored in outbox.events()]
    assert [e.type for e in events] == ["vault.access.denied.v1"] * 2
    assert all(e.data["policy"] == "forbidden by clearance" for e in events)
    assert "kim.doe" not in "".join(outbox.bodies_by_id())
