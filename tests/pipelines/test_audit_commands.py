"""``vault audit`` and ``vault access`` commands, and CLI denials: the acting principal comes
from ``VAULT_PRINCIPAL`` and the principals file; denials exit 2 and are audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vault_core.access import Principal, PrincipalsFile, write_principals
from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_core.stages import ingest_raw
from vault_core.vault import Vault
from vault_pipelines.cli import main

PEOPLE = [
    Principal(id="ops", roles=("admin",), clearance="restricted"),
    Principal(id="ann", roles=("user",)),
    Principal(id="aud", roles=("auditor",)),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    home = str(tmp_path / "home")
    write_principals(f"{home}/access/principals.yaml", PrincipalsFile(principals=PEOPLE))
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "t.jsonl").write_text(
        "".join(json.dumps({"body": f"b {i}"}) + "\n" for i in range(5))
    )
    spec = DatasetSpec(name="tickets", source=f"{landing}/*.jsonl", format="jsonl")
    ingest_raw(Vault(VaultSettings(home=home), principal="ops"), spec)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return home


def _as(monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    monkeypatch.setenv("VAULT_PRINCIPAL", who)


def test_when_a_user_rotates_keys_then_denied_audited_and_listed(
    home: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "ann")
    assert main(["--home", home, "keys", "rotate", "--dataset", "tickets"]) == 2
    assert "access denied: principal 'ann' may not keys:rotate" in capsys.readouterr().err
    assert main(["--home", home, "audit", "list"]) == 2  # a user may not read the audit log
    capsys.readouterr()

    _as(monkeypatch, "aud")
    assert main(["--home", home, "audit", "list", "--principal", "ann", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["decision"]) for r in rows] == [
        ("keys:rotate", "deny"),
        ("audit:read", "deny"),
    ]
    assert (
        main(["--home", home, "audit", "list", "--decision", "deny", "--action", "audit:read"]) == 0
    )
    assert capsys.readouterr().out.count("audit:read") == 1


def test_when_an_auditor_verifies_then_intact_and_tampering_is_named(
    home: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "ops")
    assert main(["--home", home, "keys", "rotate", "--dataset", "tickets"]) == 0
    _as(monkeypatch, "aud")
    assert main(["--home", home, "audit", "checkpoint"]) == 0
    assert main(["--home", home, "audit", "verify", "--no-instance"]) == 0
    assert "audit log intact" in capsys.readouterr().out

    log = Path(home, "audit", "log.jsonl")
    lines = log.read_text().splitlines(keepends=True)
    (rotated,) = [n for n, line in enumerate(lines) if '"action":"keys:rotate"' in line]
    lines[rotated] = lines[rotated].replace('"allow"', '"deny"')  # hide that ops rotated keys
    log.write_text("".join(lines))
    assert main(["--home", home, "audit", "verify", "--no-instance", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["first_bad_line"]) == (False, rotated + 1)


def test_whoami_and_check(
    home: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "ann")
    assert main(["--home", home, "access", "whoami"]) == 0
    assert json.loads(capsys.readouterr().out)["roles"] == ["user"]
    assert main(["--home", home, "access", "check", "dataset:read", "tickets"]) == 0
    assert main(["--home", home, "access", "check", "dataset:read_raw", "tickets"]) == 1
    assert "DENY: no policy permits it" in capsys.readouterr().out
    _as(monkeypatch, "nobody")
    assert main(["--home", home, "access", "whoami"]) == 2
    assert "nothing is done anonymously" in capsys.readouterr().err
