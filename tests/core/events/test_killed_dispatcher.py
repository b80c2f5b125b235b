"""A delivery process SIGKILLed while a request is in flight, then restarted: nothing is lost,
and the only repeat carries the same webhook-id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.events.receiver import LOOPBACK, Receiver
from vault_core.events import Envelope, Outbox, VersionRegistered, Webhooks
from vault_core.events.signing import new_env_secret

pytestmark = pytest.mark.integration

TIMEOUT = 20.0
_DISPATCHER = """
import sys
from pathlib import Path
from vault_core.events import Outbox, Webhooks

folder, now = Path(sys.argv[1]), float(sys.argv[2])
hooks = Webhooks(folder, allow_networks=["127.0.0.1/32"], timeout=float(sys.argv[3]),
                 clock=lambda: now)
hooks.fan_out(Outbox(folder))
print(hooks.deliver_due().summary())
"""


def _dispatch(folder: Path, now: float, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _DISPATCHER, str(folder), repr(now), str(TIMEOUT)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_when_dispatcher_is_killed_mid_request_then_restart_loses_nothing(
    tmp_path: Path, receiver: Receiver
) -> None:
    secret = new_env_secret()
    env = {**os.environ, "HOOK_SECRET": secret}
    receiver.secret = secret
    receiver.plan = ["hang"]  # the first request never gets its answer
    start = time.time()
    hooks = Webhooks(tmp_path, allow_networks=LOOPBACK, clock=lambda: start)
    hooks.add(receiver.url, ["*"], secret_env="HOOK_SECRET")
    events = [
        Envelope.of(
            VersionRegistered(
                dataset="tickets",
                version=f"1.{minor}.0",
                data_version="d" * 16,
                row_count=1,
                status="active",
                run_id="r",
            ),
            fact=f"kill-test:{minor}",
            time=start + minor,
        )
        for minor in range(3)
    ]
    Outbox(tmp_path).append(events)

    first = _dispatch(tmp_path, start + 5, env)
    assert receiver.arrived.wait(60), "the dispatcher never sent its first request"
    first.send_signal(signal.SIGKILL)
    first.wait(60)
    receiver.release.set()
    assert [d.status for d in hooks.deliveries()] == ["pending", "pending", "sending"]

    # Restarted after the lease of the interrupted attempt (timeout + grace) expired.
    second = _dispatch(tmp_path, start + 5 + TIMEOUT + 61, env)
    out, _ = second.communicate(timeout=120)
    assert "1 interrupted and resent" in out

    ids = receiver.ids()
    assert ids == [events[0].id, events[0].id, events[1].id, events[2].id]
    assert all(r.verified for r in receiver.received)
    assert {d.status for d in hooks.deliveries()} == {"delivered"}
    first_delivery = hooks.deliveries()[-1]
    assert [a.error for a in hooks.attempts(first_delivery.id)] == [
        "interrupted: no answer recorded",
        "",
    ]
