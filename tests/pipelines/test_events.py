"""Events from a real Dagster instance: derived once per fact, rebuilt identically after the
outbox is deleted, free of values from the data, and delivered by the ``vault_events`` sensor to
a real receiver on 127.0.0.1 that verifies the signature with the standardwebhooks library."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from tests.core.events.receiver import LOOPBACK, Receiver, serving
from vault_core.access.tenant_keys import open_tenant_keyring, tenant_secret_env
from vault_core.dataset import DatasetSpec
from vault_core.events import Outbox, Webhooks, derive_webhook_events, events_folder
from vault_core.pii import PiiEngineConfig
from vault_core.registry import Registry
from vault_core.settings import VaultSettings
from vault_core.storage import rotate_scope
from vault_core.vault import Vault
from vault_demo.datasets import demo_datasets, prepare_landing
from vault_pipelines.definitions import ALL_JOB, build_definitions
from vault_pipelines.event_sensor import SENSOR_NAME, derive_events
from vault_pipelines.registry_sync import RegistrySync
from vault_pipelines.resources import WebhooksResource

pytestmark = pytest.mark.integration
ANONYMIZED = dg.AssetKey(["customers", "anonymized"])


def _spec(settings: VaultSettings) -> DatasetSpec:
    customers = next(s for s in demo_datasets(settings.landing_url) if s.name == "customers")
    return DatasetSpec.model_validate(
        {**customers.model_dump(), "pii": PiiEngineConfig(mode="patterns")}
    )


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with serving() as state:
        yield state


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory,
    dagster_instance: dg.DagsterInstance,
    receiver: Receiver,
) -> VaultSettings:
    """A subscription first, then a materialized dataset, a key rotation, a deprecation and a
    failed check evaluation: one fact of each kind in the instance and the keyring."""
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("vault")))
    vault = Vault(settings)
    hooks = Webhooks(
        events_folder(settings), derive_subkey=vault.keyring.derive_subkey, allow_networks=LOOPBACK
    )
    hooks.add(receiver.url, ["vault.version.registered", "vault.key.*"])
    receiver.secret = hooks.secret(hooks.subscriptions()[0])
    prepare_landing(settings, tickets=20, customers=20)
    job = build_definitions([_spec(settings)], settings).resolve_job_def(ALL_JOB)
    job.execute_in_process(instance=dagster_instance, raise_on_error=True)
    rotate_scope(vault.store, "customers")
    registry = Registry.open(settings.registry_url)
    RegistrySync(dagster_instance, registry).run()
    registry.deprecate("customers", "1.0.0", "superseded by a later load")
    RegistrySync(dagster_instance, registry).report_statuses()
    dagster_instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=ANONYMIZED,
            check_name="no_pii_left",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"leftover_by_type": dg.MetadataValue.json({"EMAIL_ADDRESS": 2})},
        )
    )
    return settings


def test_when_derived_then_each_fact_gives_one_typed_event(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    outbox = Outbox(events_folder(settings))
    derive_events(dagster_instance, Vault(settings), outbox)
    types = Counter(e.envelope.type for e in outbox.events())
    assert types == {
        "vault.dataset.created.v1": 1,
        "vault.version.registered.v1": 1,
        "vault.records.added.v1": 1,
        "vault.pii.detected.v1": 1,
        "vault.key.rotated.v1": 1,
        "vault.version.status_changed.v1": 1,
        "vault.check.failed.v1": 1,
    }
    by_type = {e.envelope.type: e.envelope for e in outbox.events()}
    registered = by_type["vault.version.registered.v1"]
    assert registered.subject == "customers"
    assert (registered.data["version"], registered.data["row_count"]) == ("1.0.0", 15)
    assert by_type["vault.version.status_changed.v1"].data["status"] == "deprecated"
    assert by_type["vault.check.failed.v1"].data["counts_by_type"] == {"EMAIL_ADDRESS": 2}
    assert by_type["vault.key.rotated.v1"].data["key_id"] == "local:customers:v2"
    pii = by_type["vault.pii.detected.v1"].data
    assert pii["total"] == sum(pii["findings_by_type"].values()) > 0
    doc = json.loads(registered.to_json())
    assert doc["specversion"] == "1.0"
    assert doc["id"].startswith("evt_")
    # Incremental: a second pass reads nothing new and adds nothing.
    derived, keys = derive_events(dagster_instance, Vault(settings), outbox)
    assert (derived.added, keys, derived.materializations) == (0, 0, 0)


def test_when_outbox_is_deleted_then_replay_rebuilds_it_identically(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    folder = events_folder(settings)
    outbox = Outbox(folder)
    derive_events(dagster_instance, Vault(settings), outbox)
    before = outbox.bodies_by_id()
    outbox.close()
    (folder / "outbox.sqlite3").unlink()
    rebuilt = Outbox(folder)
    derive_events(dagster_instance, Vault(settings), rebuilt)
    derive_webhook_events(Webhooks(folder), rebuilt)
    assert rebuilt.bodies_by_id() == before
    assert len(before) >= 7


def test_when_events_are_derived_then_no_value_from_the_data_is_in_them(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance
) -> None:
    vault = Vault(settings)
    outbox = Outbox(events_folder(settings))
    derive_events(dagster_instance, vault, outbox)
    text = "\n".join(outbox.bodies_by_id())
    raw = vault.open_raw("customers")
    values = {
        str(value)
        for column in raw.column_names
        if column != "record_id"
        for value in raw.column(column).to_pylist()
        if value is not None and len(str(value)) >= 6
    }
    assert values, "the landed data should have values to look for"
    leaked = sorted(v for v in values if v in text)
    assert leaked == []


def test_when_the_sensor_ticks_then_subscribed_events_arrive_signed(
    settings: VaultSettings, dagster_instance: dg.DagsterInstance, receiver: Receiver
) -> None:
    defs = build_definitions(
        [_spec(settings)], settings, webhooks=WebhooksResource(allow_networks=LOOPBACK)
    )
    sensor = next(s for s in defs.sensors if s.name == SENSOR_NAME)
    with dg.build_sensor_context(
        instance=dagster_instance, definitions=defs, resources=dict(defs.resources or {})
    ) as context:
        result = sensor(context)
    assert "2 delivered" in str(result.skip_message), result
    types = [b["type"] for b in receiver.bodies()]
    assert sorted(types) == ["vault.key.rotated.v1", "vault.version.registered.v1"]
    assert all(r.verified for r in receiver.received)
    # The next tick derives the two webhook.delivered events and sends nothing again.
    with dg.build_sensor_context(
        instance=dagster_instance, definitions=defs, resources=dict(defs.resources or {})
    ) as context:
        sensor(context)
    assert len(receiver.received) == 2
    delivered = Outbox(events_folder(settings)).events(type_prefix="vault.webhook.delivered")
    assert len(delivered) == 2


def test_when_a_tenant_keyring_rotates_then_its_key_events_are_derived_without_its_secret(
    tmp_path: Path, dagster_instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = VaultSettings(home=str(tmp_path / "home"))
    vault = Vault(settings)
    keys_folder = os.path.dirname(settings.keyring_path)
    vault.keyring.current_key_id("plain")  # the vault's own keyring has a scope too
    monkeypatch.setenv(tenant_secret_env("acme"), "acme-secret-0123456789abcdef")
    tenant = open_tenant_keyring(keys_folder, "acme")
    tenant.current_key_id("acme_chats")
    tenant.rotate("acme_chats")
    tenant.destroy("local:acme_chats:v1", shred=True)
    monkeypatch.delenv(tenant_secret_env("acme"))  # the sensor holds no tenant secret
    outbox = Outbox(events_folder(settings))
    derive_events(dagster_instance, vault, outbox)
    keys = sorted(
        (e.envelope.type, e.envelope.data["key_id"])
        for e in outbox.events()
        if e.envelope.type.startswith("vault.key.")
    )
    assert keys == [
        ("vault.key.destroyed.v1", "local:acme_chats:v1"),
        ("vault.key.rotated.v1", "local:acme_chats:v2"),
    ]
