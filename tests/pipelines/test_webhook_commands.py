"""``vault webhooks ...`` end to end against a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.events.receiver import Receiver, serving
from vault_core.events import Envelope, Outbox, VersionRegistered, events_folder
from vault_core.events.signing import new_env_secret
from vault_core.settings import VaultSettings
from vault_pipelines.cli import main as vault_cli


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as state:
        yield state


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = vault_cli(list(argv))
    return code, capsys.readouterr().out


def test_when_operator_adds_tests_and_lists_then_the_receiver_verifies(
    tmp_path: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = str(tmp_path / "vault")
    secret = new_env_secret()
    monkeypatch.setenv("HOOK_SECRET", secret)
    receiver.secret = secret

    refused = vault_cli(["--home", home, "webhooks", "add", receiver.url, "--secret-env", "X"])
    assert refused == 2  # loopback is refused unless allowed
    monkeypatch.setenv("VAULT_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.1/32")
    code, out = _run(
        capsys, "--home", home, "webhooks", "add", receiver.url + "?token=abc",
        "--events", "vault.version.*", "--secret-env", "HOOK_SECRET",
    )  # fmt: skip
    assert code == 0
    sub_id = out.split(":")[0]
    code, out = _run(capsys, "--home", home, "webhooks", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["id"] == sub_id
    assert "abc" not in listed["url"]  # query strings may hold tokens: not shown
    assert listed["secret"] == "env:HOOK_SECRET"
    assert secret not in (Path(home) / "events" / "webhooks.sqlite3").read_bytes().decode("latin-1")

    code, out = _run(capsys, "--home", home, "webhooks", "test", sub_id)
    assert code == 0, out
    assert receiver.received[-1].verified

    # A delivery, then its log and a redelivery with the same webhook-id.
    settings = VaultSettings(home=home)
    data = VersionRegistered(
        dataset="crm", version="1.0.0", data_version="d", row_count=1, status="active", run_id="r"
    )
    event = Envelope.of(data, fact="cli-test", time=receiver_time())
    Outbox(events_folder(settings)).append([event])
    from vault_core.vault import Vault
    from vault_pipelines.event_sensor import open_webhooks

    hooks = open_webhooks(Vault(settings), allow_networks=["127.0.0.1/32"])
    hooks.fan_out(Outbox(events_folder(settings)))
    assert hooks.deliver_due().delivered == 1
    code, out = _run(capsys, "--home", home, "webhooks", "deliveries", "--json")
    (delivery,) = json.loads(out)
    assert (delivery["status"], delivery["event_id"]) == ("delivered", event.id)
    code, out = _run(capsys, "--home", home, "webhooks", "redeliver", str(delivery["id"]))
    assert code == 0
    assert hooks.deliver_due().delivered == 1
    assert receiver.ids()[-2:] == [event.id, event.id]

    code, _ = _run(capsys, "--home", home, "webhooks", "remove", sub_id)
    assert code == 0
    assert vault_cli(["--home", home, "webhooks", "test", sub_id]) == 2


def receiver_time() -> float:
    import time

    return time.time()
