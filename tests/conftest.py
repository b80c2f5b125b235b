"""Test-wide setup: no network but loopback, a private master secret, shared fixtures."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

TEST_SECRET = "test-master-secret-not-for-production"


class NetworkBlockedError(OSError):
    """Raised by the test network guard when code tries to leave the machine."""


def _is_loopback(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Every test runs offline: any connection or lookup beyond loopback fails loudly."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise NetworkBlockedError(f"network access blocked in tests: {address[0]}")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise NetworkBlockedError(f"DNS lookup blocked in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "connect_ex", connect_ex)
    mp.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    mp.undo()


@pytest.fixture(autouse=True, scope="session")
def _private_secret(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never touch the user's real master secret file, config or state folder.

    Session-scoped so that module-scoped fixtures (which run before function-scoped ones) see it.
    """
    mp = pytest.MonkeyPatch()
    mp.setenv("VAULT_MASTER_SECRET", TEST_SECRET)
    mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's real HTTP server (S3, KMS...) on 127.0.0.1 in its own process
    (tests/aws_server.py), with throwaway credentials."""
    from tests.aws_server import AwsServer

    mp = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        mp.setenv(name, value)
    server = AwsServer.start()
    yield server.endpoint
    server.stop()
    mp.undo()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL server on 127.0.0.1 for this test session (tests/postgres_server.py)."""
    from tests.postgres_server import PostgresServer

    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()
