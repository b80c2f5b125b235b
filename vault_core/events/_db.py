"""SQLite connections for the outbox and the webhook state.

SQLite (the standard library's) rather than Delta: delivery updates single rows many times a
minute and needs transactions across tables; Dagster's own local instance makes the same choice.
WAL mode lets the CLI read while the sensor writes; ``busy_timeout`` makes writers queue.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from vault_core.settings import VaultSettings


def events_folder(settings: VaultSettings) -> Path:
    """``<state>/events``: where the outbox and the webhook state live, in the home's local
    state folder (the home itself when local; see ``VaultSettings.state_dir``)."""
    return Path(settings.local_path("events"))


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit ``BEGIN IMMEDIATE``)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
    connection.execute("PRAGMA busy_timeout=30000")
    os.chmod(path, 0o600)
    return connection
