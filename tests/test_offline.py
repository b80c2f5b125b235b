"""The test suite runs with the network closed: prove the guard really blocks."""

from __future__ import annotations

import socket

import pytest


def test_when_code_connects_beyond_loopback_then_it_fails() -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("192.0.2.10", 443), timeout=1)


def test_when_code_resolves_a_public_name_then_it_fails() -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("publicsuffix.org", 443)


def test_when_code_uses_loopback_then_it_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=1)
        client.close()
    finally:
        server.close()


def test_when_vault_core_is_imported_then_telemetry_is_off() -> None:
    import os

    import vault_core  # noqa: F401

    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert os.environ["GX_ANALYTICS_ENABLED"] == "False"
