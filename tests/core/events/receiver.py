"""A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures, and a clock
that tests move by hand (shared by the core and pipeline tests of events)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOOPBACK = ["127.0.0.1/32"]


@dataclass
class Received:
    """One request as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int


@dataclass
class Receiver:
    """Answers each request with the next planned status (200 when the plan is used up).

    ``"hang"`` holds the request until the test ends (the sender times out).
    """

    url: str = ""
    secret: str | None = None
    plan: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]

    def bodies(self) -> list[dict[str, Any]]:
        import json

        return [json.loads(r.body) for r in self.received]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        receiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = False
        if receiver.secret is not None:
            try:
                Webhook(receiver.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        action = receiver.plan.pop(0) if receiver.plan else 200
        status = 0 if action == "hang" else int(action)
        receiver.received.append(Received(headers, body, verified, status))
        receiver.arrived.set()
        if action == "hang":
            receiver.release.wait(30)
            return
        self.send_response(status)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving() -> Iterator[Receiver]:
    """A receiver thread on 127.0.0.1 (port chosen by the system) for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    server.receiver = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


class Clock:
    """Time the tests move by hand (never by sleeping)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
