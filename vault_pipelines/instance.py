"""The persistent local Dagster instance: ``DAGSTER_HOME`` with our ``dagster.yaml``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DAGSTER_HOME = ".dagster_home"

# The same settings as the repository's dagster.yaml, for a `vault` run outside the repository.
DEFAULT_DAGSTER_YAML = """\
# Local Dagster instance of vault: SQLite storage under DAGSTER_HOME, nothing sent anywhere.
telemetry:
  enabled: false
"""


def ensure_dagster_home(path: str | None = None, template: Path | None = None) -> Path:
    """Create the instance folder with its ``dagster.yaml`` if needed and point DAGSTER_HOME at it.

    Args:
        path: instance folder (default: ``$DAGSTER_HOME`` or ``.dagster_home``).
        template: a ``dagster.yaml`` to install (default: ``./dagster.yaml`` when present).
    """
    home = Path(path or os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        source = template or Path("dagster.yaml")
        text = source.read_text() if source.exists() else DEFAULT_DAGSTER_YAML
        target.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
