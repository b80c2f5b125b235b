"""A real PostgreSQL server for the tests, started from Debian's binaries in a temp folder.

`make install` installs Debian's ``postgresql`` when its server binaries are missing. The server
listens on 127.0.0.1 and a socket in its own folder, trusts local connections, and is stopped
when the test session ends. As root (CI), it runs as the ``postgres`` user: initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL's server binaries are missing (`make install` installs them) or failed."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailableError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make install`, which "
        "installs Debian's postgresql package"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One running server: ``url(db)`` names a database on it."""

    folder: Path
    port: int
    user: str = "vault"

    def url(self, database: str = "postgres") -> str:
        # psycopg2 named: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which
        # dagster-postgres does not install.
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, binary: str, *args: str) -> None:
        command = [str(_bin_dir() / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise PostgresUnavailableError(f"{binary} failed ({done.returncode}): {done.stderr}")

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb a cluster in a new folder under the system temp folder (which the ``postgres``
        user can reach, unlike pytest's private temp folders) and start it."""
        folder = Path(tempfile.mkdtemp(prefix="vault-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        server = cls(folder, _free_port())
        data = str(folder / "data")
        server._run("initdb", "-D", data, "-A", "trust", "-U", server.user, "--no-sync")
        options = f"-h 127.0.0.1 -p {server.port} -k {folder} -F -c max_connections=200"
        server._run("pg_ctl", "-D", data, "-o", options, "-l", str(folder / "log"), "-w", "start")
        return server
