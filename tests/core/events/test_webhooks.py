"""Delivery to real HTTP receivers on 127.0.0.1: signatures verified by the standardwebhooks
library, retries after 1, 5 and 15 minutes on an injected clock, dead letters, 410, timeouts,
order per dataset, redelivery with the same webhook-id, and the webhook events derived."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.events.receiver import LOOPBACK, Clock, Receiver
from vault_core.crypto import LocalKeyring
from vault_core.events import (
    Envelope,
    Outbox,
    TargetRefusedError,
    UnknownEventTypeError,
    VersionRegistered,
    Webhooks,
    derive_webhook_events,
)
from vault_core.events.signing import new_env_secret

FAST_N = 2**4


def _registered(dataset: str, version: str, when: float) -> Envelope:
    data = VersionRegistered(
        dataset=dataset,
        version=version,
        data_version="d" * 16,
        row_count=10,
        status="active",
        run_id="run-1",
    )
    return Envelope.of(data, fact=f"test:{dataset}:{version}", time=when)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    value = new_env_secret()
    monkeypatch.setenv("HOOK_SECRET", value)
    return value


def _hooks(tmp_path: Path, clock: Clock, **kwargs: object) -> Webhooks:
    return Webhooks(tmp_path, allow_networks=LOOPBACK, clock=clock, timeout=2.0, **kwargs)  # type: ignore[arg-type]


def test_when_delivered_then_the_receiver_verifies_the_signature_with_the_library(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.secret = secret
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["vault.version.*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    event = _registered("tickets", "1.0.0", clock())
    outbox.append([event])

    assert hooks.fan_out(outbox) == 1
    report = hooks.deliver_due()

    assert report.delivered == 1
    (got,) = receiver.received
    assert got.verified
    assert got.headers["webhook-id"] == event.id
    assert got.body.decode() == event.to_json()
    assert hooks.deliveries()[0].status == "delivered"


def test_when_the_receiver_fails_twice_then_retries_after_1_and_5_minutes_with_the_same_id(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.secret = secret
    receiver.plan = [500, 503]
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    outbox.append([_registered("tickets", "1.0.0", clock())])
    hooks.fan_out(outbox)

    assert hooks.deliver_due().failed == 1
    clock.advance(59)
    assert hooks.deliver_due() == hooks.deliver_due()  # nothing due before a minute
    assert len(receiver.received) == 1
    clock.advance(1)
    assert hooks.deliver_due().failed == 1
    clock.advance(299)
    hooks.deliver_due()
    assert len(receiver.received) == 2
    clock.advance(1)
    assert hooks.deliver_due().delivered == 1

    assert [r.answered for r in receiver.received] == [500, 503, 200]
    assert len(set(receiver.ids())) == 1
    assert all(r.verified for r in receiver.received)
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [a.status_code for a in hooks.attempts(delivery.id)] == [500, 503, 200]


def test_when_every_attempt_fails_then_dead_after_four_and_redeliver_sends_the_same_id(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.plan = [500, 500, 500, 500]
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    outbox.append([_registered("tickets", "1.0.0", clock())])
    hooks.fan_out(outbox)
    for wait in (0, 60, 300, 900):
        clock.advance(wait)
        hooks.deliver_due()
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("dead", 4)
    clock.advance(3600)
    assert hooks.deliver_due().delivered == 0
    assert len(receiver.received) == 4

    hooks.redeliver(delivery.id)
    assert hooks.deliver_due().delivered == 1
    assert len(set(receiver.ids())) == 1
    assert hooks.delivery(delivery.id).attempts == 5

    # Each finish is a fact: one dead event, then one delivered event (round 2).
    assert derive_webhook_events(hooks, outbox) == 2
    types = [e.envelope.type for e in outbox.events()]
    assert types[-2:] == ["vault.webhook.dead.v1", "vault.webhook.delivered.v1"]
    # Webhook events are not fanned out to a `*` subscription (no loops).
    assert hooks.fan_out(outbox) == 0


def test_when_the_receiver_answers_410_then_the_subscription_is_disabled(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.plan = [410]
    hooks = _hooks(tmp_path, clock)
    sub = hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    outbox.append([_registered("tickets", "1.0.0", clock()), _registered("crm", "1.0.0", clock())])
    hooks.fan_out(outbox)

    report = hooks.deliver_due()

    assert report.disabled == (sub.id,)
    assert hooks.subscription(sub.id).status == "disabled"
    assert len(receiver.received) == 1  # the other dataset's delivery is held
    clock.advance(3600)
    hooks.deliver_due()
    assert len(receiver.received) == 1


def test_when_the_receiver_hangs_then_the_attempt_times_out_and_is_retried(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.plan = ["hang"]
    hooks = Webhooks(tmp_path, allow_networks=LOOPBACK, clock=clock, timeout=0.5)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    outbox.append([_registered("tickets", "1.0.0", clock())])
    hooks.fan_out(outbox)

    assert hooks.deliver_due().failed == 1
    assert "timeout" in hooks.deliveries()[0].last_error
    receiver.release.set()
    clock.advance(60)
    assert hooks.deliver_due().delivered == 1


def test_when_an_earlier_event_of_a_dataset_is_retrying_then_later_ones_wait(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    receiver.plan = [500]  # the first request (tickets 1.0.0) fails once
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    outbox = Outbox(tmp_path)
    now = clock()
    outbox.append(
        [
            _registered("tickets", "1.0.0", now),
            _registered("tickets", "1.1.0", now + 1),
            _registered("crm", "1.0.0", now + 2),
        ]
    )
    hooks.fan_out(outbox)
    hooks.deliver_due()
    first = [(b["subject"], b["data"]["version"]) for b in receiver.bodies()]
    assert first == [("tickets", "1.0.0"), ("crm", "1.0.0")]  # other datasets are not held
    clock.advance(60)
    hooks.deliver_due()
    order = [(b["subject"], b["data"]["version"]) for b in receiver.bodies()]
    assert order[2:] == [("tickets", "1.0.0"), ("tickets", "1.1.0")]


def test_when_subscription_names_datasets_and_types_then_it_gets_only_those(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["vault.key.*"], secret_env="HOOK_SECRET")
    hooks.add(
        receiver.url, ["vault.version.registered"], datasets=["crm"], secret_env="HOOK_SECRET"
    )
    outbox = Outbox(tmp_path)
    old = _registered("crm", "0.9.0", clock() - 10)  # before the subscriptions existed
    outbox.append(
        [old, _registered("tickets", "1.0.0", clock()), _registered("crm", "1.0.0", clock())]
    )
    assert hooks.fan_out(outbox) == 1
    hooks.deliver_due()
    assert [b["data"]["version"] for b in receiver.bodies()] == ["1.0.0"]
    assert receiver.bodies()[0]["subject"] == "crm"


def test_when_outbox_is_rebuilt_then_fan_out_queues_nothing_twice(
    tmp_path: Path, clock: Clock, receiver: Receiver, secret: str
) -> None:
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    events = [_registered("tickets", "1.0.0", clock())]
    outbox = Outbox(tmp_path)
    outbox.append(events)
    assert hooks.fan_out(outbox) == 1
    outbox.close()
    (tmp_path / "outbox.sqlite3").unlink()
    rebuilt = Outbox(tmp_path)
    rebuilt.append(events)
    assert hooks.fan_out(rebuilt) == 0


def test_when_no_secret_env_then_the_secret_comes_from_the_keyring_and_verifies(
    tmp_path: Path, clock: Clock, receiver: Receiver
) -> None:
    keyring = LocalKeyring(tmp_path / "keys.json", "secret", scrypt_n=FAST_N)
    hooks = Webhooks(
        tmp_path, derive_subkey=keyring.derive_subkey, allow_networks=LOOPBACK, clock=clock
    )
    sub = hooks.add(receiver.url, ["*"])
    receiver.secret = hooks.secret(sub.id)
    assert receiver.secret.startswith("whsec_")
    assert receiver.secret not in (tmp_path / "webhooks.sqlite3").read_bytes().decode("latin-1")

    response = hooks.test(sub.id)

    assert response.ok
    assert receiver.received[0].verified
    assert receiver.bodies()[0]["type"] == "vault.webhook.test.v1"


def test_when_the_secret_variable_is_unset_then_the_attempt_fails_without_sending(
    tmp_path: Path, clock: Clock, receiver: Receiver
) -> None:
    hooks = _hooks(tmp_path, clock)
    hooks.add(receiver.url, ["*"], secret_env="NO_SUCH_VARIABLE_SET")
    outbox = Outbox(tmp_path)
    outbox.append([_registered("tickets", "1.0.0", clock())])
    hooks.fan_out(outbox)
    assert hooks.deliver_due().failed == 1
    assert receiver.received == []
    assert "NO_SUCH_VARIABLE_SET" in hooks.deliveries()[0].last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.7/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/",
        "http://[::1]/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/",
        "ftp://example.org/",
        "/relative",
    ],
)
def test_when_url_is_not_public_then_add_refuses_it_by_default(
    tmp_path: Path, clock: Clock, url: str
) -> None:
    hooks = Webhooks(tmp_path, clock=clock)
    with pytest.raises(TargetRefusedError):
        hooks.add(url, ["*"], secret_env="X")
    assert hooks.subscriptions() == []


def test_when_pattern_matches_no_type_then_add_refuses_it(tmp_path: Path, clock: Clock) -> None:
    hooks = _hooks(tmp_path, clock)
    with pytest.raises(UnknownEventTypeError):
        hooks.add("http://127.0.0.1:9/", ["vault.nothing.*"], secret_env="X")
