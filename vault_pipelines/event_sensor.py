"""The ``vault_events`` sensor: derive new events into the outbox, then deliver webhooks.

Each tick (in ``dagster-daemon``, which ``make ui`` starts): events from the Dagster event log
(:mod:`vault_pipelines.event_log`), from the keyring (rotated and destroyed versions) and from
finished deliveries; then the fan-out of new events to subscriptions and one delivery pass with
retries and dead letters (:class:`vault_core.events.Webhooks`). The same pass runs from the CLI
(``vault events sync``, ``vault webhooks deliver``) and from tests with an injected clock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import dagster as dg

from vault_core.access.tenant_keys import tenant_keyring_files
from vault_core.crypto import key_versions_in_file
from vault_core.events import (
    DeliveryReport,
    Outbox,
    Webhooks,
    derive_denial_events,
    derive_webhook_events,
    events_folder,
    key_events,
)
from vault_core.events.sources import PRINCIPAL_DIGEST_PURPOSE
from vault_core.vault import Vault
from vault_pipelines.event_log import DeriveResult, EventLogDeriver
from vault_pipelines.resources import VaultResource, WebhooksResource

SENSOR_NAME = "vault_events"


@dataclass(frozen=True)
class PassResult:
    """What one events pass did."""

    derived: DeriveResult
    key_events: int
    webhook_events: int
    delivery: DeliveryReport

    def summary(self) -> str:
        """One line for the sensor's skip reason."""
        d = self.derived
        return (
            f"events: {d.added + self.key_events + self.webhook_events} new "
            f"({d.materializations} materializations, {d.observations} observations, "
            f"{d.check_executions} check executions read); {self.delivery.summary()}"
        )


def derive_events(
    instance: dg.DagsterInstance,
    vault: Vault,
    outbox: Outbox,
    *,
    check_keys: Iterable[dg.AssetCheckKey] = (),
) -> tuple[DeriveResult, int]:
    """Derive Dagster, keyring (the vault's and every tenant's) and audit-denial events into
    ``outbox``: (Dagster result, key and denial events added)."""
    derived = EventLogDeriver(instance, outbox, check_keys=check_keys).run()
    keys = 0
    local = vault.settings.keys.kind == "local"
    if local and vault.has_keyring():  # KMS keys: their events are in KMS's own logs
        keyring = vault.keyring
        versions = [v for scope in keyring.scopes() for v in keyring.versions(scope)]
        # Tenants' keyrings: their public metadata, without their secrets (the sensor holds none).
        options = vault.settings.storage_options
        keys_folder = os.path.dirname(vault.settings.keyring_path)
        versions += [
            version
            for path in tenant_keyring_files(keys_folder, options)
            for version in key_versions_in_file(path, options)
        ]
        keys = outbox.append(key_events(versions))
    if not local or vault.has_keyring():  # denials and erasures, from the audit log
        key = vault.derive_subkey(PRINCIPAL_DIGEST_PURPOSE)
        keys += derive_denial_events(vault.audit, outbox, key)
    return derived, keys


def open_webhooks(
    vault: Vault,
    *,
    allow_networks: Iterable[str] = (),
    timeout: float = 10.0,
    clock: Callable[[], float] = time.time,
) -> Webhooks:
    """The webhook state of ``vault``; keyring-derived secrets are opened only when needed."""
    return Webhooks(
        events_folder(vault.settings),
        derive_subkey=vault.derive_subkey,
        allow_networks=list(allow_networks),
        timeout=timeout,
        clock=clock,
    )


def events_pass(
    instance: dg.DagsterInstance,
    vault: Vault,
    webhooks: Webhooks,
    *,
    check_keys: Iterable[dg.AssetCheckKey] = (),
    max_seconds: float | None = None,
) -> PassResult:
    """Derive, fan out and deliver once."""
    outbox = Outbox(events_folder(vault.settings))
    try:
        derived, keys = derive_events(instance, vault, outbox, check_keys=check_keys)
        hooks = derive_webhook_events(webhooks, outbox)
        fanned = webhooks.fan_out(outbox)
        report = webhooks.deliver_due(max_seconds=max_seconds)
        hooks += derive_webhook_events(webhooks, outbox)
    finally:
        outbox.close()
    return PassResult(derived, keys, hooks, replace(report, fanned_out=fanned))


@dg.sensor(
    name=SENSOR_NAME,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Derives vault events (versions, records, PII counts, statuses, checks, keys) into the "
        "outbox and delivers them to webhook subscriptions (signed, retried, dead-lettered)."
    ),
)
def events_sensor(
    context: dg.SensorEvaluationContext, vault: VaultResource, webhooks: WebhooksResource
) -> dg.SkipReason:
    """Derive new events and deliver the webhooks that are due."""
    the_vault = vault.get_vault()
    hooks = open_webhooks(
        the_vault, allow_networks=webhooks.networks(), timeout=webhooks.timeout_seconds
    )
    repository = context.repository_def
    try:
        result = events_pass(
            context.instance,
            the_vault,
            hooks,
            check_keys=repository.asset_graph.asset_check_keys if repository else (),
            max_seconds=webhooks.max_seconds_per_tick,
        )
    finally:
        hooks.close()
    context.log.info(result.summary())
    return dg.SkipReason(result.summary())
