"""POST one webhook to a vetted address with a timeout; redirects are not followed.

``http.client`` rather than a higher-level client because the connection must go to the address
:func:`vault_core.events.targets.resolve_target` vetted, while Host and TLS SNI name the host.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from vault_core.events.targets import Target

MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Response:
    """What came back: the status (None when no answer) and a short, value-free error."""

    status: int | None
    error: str
    seconds: float

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST ``body``; never raises for network trouble (it is a failed attempt)."""
    started = time.monotonic()
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPS(target, timeout)
    else:
        connection = _PinnedHTTP(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(MAX_RESPONSE_BYTES)  # drained, never stored: it could hold anything
        status: int | None = answer.status
        error = "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except TimeoutError:
        status, error = None, f"timeout after {timeout:g}s"
    except ssl.SSLError as exc:
        status, error = None, f"TLS error ({type(exc).__name__})"
    except (OSError, http.client.HTTPException) as exc:
        status, error = None, f"connection failed ({type(exc).__name__})"
    finally:
        connection.close()
    return Response(status, error, time.monotonic() - started)
