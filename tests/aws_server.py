"""moto's server (S3, KMS...) in a process of its own on 127.0.0.1, for the tests.

Not ``ThreadedMotoServer``: deltalake's Rust calls (``DeltaTable.is_deltatable`` among them)
hold the GIL while they wait for the HTTP answer, so a server thread in the same interpreter
never gets to answer and the test hangs. A separate process is also what a real S3 endpoint is.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass


class AwsServerError(RuntimeError):
    """moto's server did not start."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AwsServer:
    """A running moto server; ``endpoint`` is its URL."""

    process: subprocess.Popen[bytes]
    endpoint: str

    @classmethod
    def start(cls, timeout: float = 60.0) -> AwsServer:
        """Start the server and wait until it accepts connections."""
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AwsServerError(f"moto's server exited with code {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return cls(process, f"http://127.0.0.1:{port}")
            except OSError:
                time.sleep(0.1)
        process.kill()
        raise AwsServerError(f"moto's server did not listen on port {port} in {timeout} s")

    def stop(self) -> None:
        """Stop the server (its state is in memory: nothing left behind)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
