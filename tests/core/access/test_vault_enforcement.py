"""Enforcement in the Vault facade with real files: tenants cannot list, load, decrypt or shred
each other's datasets; denials are audited and carry no data value."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from vault_core.access import (
    AccessDenied,
    DatasetAccess,
    Principal,
    PrincipalsFile,
    UnknownPrincipalError,
    write_principals,
)
from vault_core.audit import verify_log
from vault_core.crypto import CryptoError
from vault_core.dataset import DatasetSpec
from vault_core.exceptions import ConfigurationError, VaultError
from vault_core.settings import VaultSettings
from vault_core.stages import ingest_raw
from vault_core.vault import Vault

SECRET = "test-master-secret-0123456789abcdef"
PEOPLE = [
    Principal(id="alice", roles=("admin",), tenant="acme", clearance="restricted"),
    Principal(id="bob", roles=("admin",), tenant="globex", clearance="restricted"),
    Principal(id="dev", roles=("developer",), tenant="acme"),
    Principal(id="vic", roles=("viewer",), tenant="acme"),
    Principal(id="carol", roles=("auditor",), tenant="acme"),
    Principal(id="svc", roles=("developer",), tenant="acme", acts_for=("vic",)),
    Principal(id="root-svc", roles=("developer",), tenant="acme", acts_for=("*",)),
]


def _spec(landing: Path, name: str, tenant: str) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        source=str(landing / name / "*.jsonl"),
        format="jsonl",
        required_columns=["body"],
        tenant=tenant,
    )


@pytest.fixture
def home(tmp_path: Path) -> str:
    home = str(tmp_path / "home")
    write_principals(f"{home}/access/principals.yaml", PrincipalsFile(principals=PEOPLE))
    for name, tenant, owner in (("acme_chats", "acme", "alice"), ("globex_chats", "globex", "bob")):
        landing = tmp_path / "landing" / name
        landing.mkdir(parents=True)
        rows = [json.dumps({"id": str(i), "body": f"secret body {name} {i}"}) for i in range(20)]
        (landing / "t.jsonl").write_text("\n".join(rows) + "\n")
        vault = _as(home, owner)
        spec = _spec(tmp_path / "landing", name, tenant)
        vault.claim(name, spec.access())
        ingest_raw(vault, spec)
        vault.audit.flush()
    return home


def _as(home: str, who: str) -> Vault:
    return Vault(VaultSettings(home=home), master_secret=SECRET, principal=who)


def test_when_tenants_list_then_each_sees_only_its_own_datasets(home: str) -> None:
    assert _as(home, "alice").datasets() == ["acme_chats"]
    assert _as(home, "bob").datasets() == ["globex_chats"]
    assert _as(home, "vic").datasets() == ["acme_chats"]


def test_when_other_tenant_decrypts_or_loads_then_denied(home: str) -> None:
    alice = _as(home, "alice")
    assert alice.open_raw("acme_chats").num_rows == 20
    for call in (
        lambda: alice.open_raw("globex_chats"),
        lambda: alice.load("globex_chats"),
        lambda: alice.read_table("globex_chats", "raw_manifest"),
        lambda: alice.rotate_keys("globex_chats"),
    ):
        with pytest.raises(AccessDenied, match="tenant-isolation"):
            call()


def test_when_a_viewer_decrypts_then_denied_and_audited_without_values(home: str) -> None:
    vic = _as(home, "vic")
    with pytest.raises(AccessDenied) as caught:
        vic.open_raw("acme_chats")
    assert caught.value.action == "dataset:read_raw"
    entries = list(vic.audit.entries())
    denial = [e for e in entries if e.decision == "deny"][-1]
    assert (denial.principal, denial.action, denial.dataset) == (
        "vic",
        "dataset:read_raw",
        "acme_chats",
    )
    assert denial.reason == "no policy permits it"
    log = Path(home, "audit", "log.jsonl").read_text()
    assert "secret body" not in log
    assert verify_log(str(Path(home, "audit"))).ok


def test_when_nobody_is_identified_then_nothing_is_read(
    home: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_PRINCIPAL", "mallory")
    anonymous = Vault(VaultSettings(home=home), master_secret=SECRET)
    with pytest.raises(UnknownPrincipalError):
        anonymous.open_raw("acme_chats")
    entry = list(anonymous.audit.entries())[-1]
    assert (entry.principal, entry.action, entry.decision) == ("mallory", "access:identify", "deny")


def test_when_a_tenant_is_shredded_then_only_its_data_is_lost(home: str) -> None:
    with pytest.raises(AccessDenied):
        _as(home, "alice").destroy_tenant_keys("globex")
    destroyed = _as(home, "bob").destroy_tenant_keys("globex")
    assert destroyed
    assert all(":globex_chats:" in key for key in destroyed)
    with pytest.raises(CryptoError):
        _as(home, "bob").open_raw("globex_chats")
    assert _as(home, "alice").open_raw("acme_chats").num_rows == 20


def test_when_a_dataset_name_is_taken_by_another_tenant_then_claim_is_refused(home: str) -> None:
    with pytest.raises(AccessDenied):
        _as(home, "alice").claim("globex_chats", DatasetAccess(tenant="acme"))


def test_when_an_auditor_reads_then_only_audit_and_names(home: str) -> None:
    carol = _as(home, "carol")
    assert carol.datasets() == ["acme_chats"]
    with pytest.raises(AccessDenied):
        carol.open_raw("acme_chats")
    with pytest.raises(AccessDenied):
        carol.load("acme_chats")


def test_when_a_tenant_has_its_own_secret_then_the_vault_secret_alone_cannot_decrypt_it(
    home: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Path(home, "keys", "tenants", "globex", "keyring.json").exists()
    bob = _as(home, "bob")
    manifest = bob.read_table("globex_chats", "raw_manifest")
    address = manifest["object_address"][0].as_py()
    assert bob.store.get(address)  # with globex's secret (its secret file)
    # A process holding the vault's master secret but not globex's, going around every check
    # by calling the store directly, opens none of globex's objects and all of acme's.
    monkeypatch.setenv("VAULT_MASTER_SECRET_GLOBEX", "not-the-globex-secret-0123456789")
    intruder = _as(home, "alice")
    with pytest.raises(VaultError):
        intruder.store.get(address)
    acme = intruder.read_table("acme_chats", "raw_manifest")["object_address"][0].as_py()
    assert intruder.store.get(acme)


def test_when_a_default_dataset_is_claimed_for_a_tenant_then_refused(home: str) -> None:
    ops = Vault(VaultSettings(home=home), master_secret=SECRET, principal=PEOPLE[0])
    ops.store.put(b"sealed under the vault keyring", scope="legacy")
    with pytest.raises(ConfigurationError, match="re-wrapped"):
        ops.claim("legacy", DatasetAccess(tenant="acme"))


def test_when_a_service_acts_for_someone_then_only_whom_it_lists(home: str) -> None:
    svc = _as(home, "svc")
    assert svc.acting_for("svc").principal.id == "svc"
    as_vic = svc.acting_for("vic")
    assert as_vic.principal.id == "vic"
    with pytest.raises(AccessDenied, match="no policy permits it"):
        as_vic.open_raw("acme_chats")  # and acts with vic's rights, not the service's
    with pytest.raises(AccessDenied, match="acts_for") as caught:
        svc.acting_for("alice")
    assert caught.value.action == "access:act_for"
    assert _as(home, "root-svc").acting_for("alice").principal.id == "alice"
    with pytest.raises(AccessDenied):
        _as(home, "vic").acting_for("alice")  # nobody may, by default
    decisions = [(e.principal, e.resource, e.decision) for e in svc.audit.entries()]
    assert ("svc", 'Principal::"alice"', "deny") in decisions
    assert ("svc", 'Principal::"vic"', "allow") in decisions


def test_when_datasets_belong_to_tenants_then_each_sits_under_its_tenants_prefix(home: str) -> None:
    for name, tenant in (("acme_chats", "acme"), ("globex_chats", "globex")):
        state = Path(home, "tenants", tenant, "datasets", name)
        assert (state / "raw_manifest" / "_delta_log").is_dir()
        assert (state / "_state").is_dir()
    assert not Path(home, "datasets").exists()
    # Garbage collection and verify still see every dataset's objects as roots.
    assert set(_as(home, "alice").references()) == {"acme_chats", "globex_chats"}
    assert _as(home, "bob").open_raw("globex_chats").num_rows == 20


def test_when_a_stage_function_is_called_directly_then_it_is_checked_like_a_step(
    home: str, tmp_path: Path
) -> None:
    """Notebooks and partition workers call the stage functions: they ask the policy too."""
    spec = _spec(tmp_path / "landing", "acme_chats", "acme")
    with pytest.raises(AccessDenied) as caught:
        ingest_raw(_as(home, "vic"), spec)
    assert caught.value.action == "dataset:ingest"
    with pytest.raises(AccessDenied, match="tenant-isolation"):
        ingest_raw(_as(home, "bob"), spec)
    assert ingest_raw(_as(home, "dev"), spec).skipped


def test_when_a_denial_crosses_a_process_boundary_then_it_keeps_its_fields() -> None:
    for denial in (
        AccessDenied("vic", "dataset:read_raw", "dataset x", "no policy permits it"),
        UnknownPrincipalError("nobody", "/home/access/principals.yaml"),
    ):
        copy = pickle.loads(pickle.dumps(denial))
        assert type(copy) is type(denial)
        assert (copy.principal, copy.action, copy.reason, str(copy)) == (
            denial.principal,
            denial.action,
            denial.reason,
            str(denial),
        )
