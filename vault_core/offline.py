"""Keep the libraries we build on from reaching the internet: telemetry and hub downloads off.

Set as defaults (a user's explicit setting wins) at import of ``vault_core``. Dagster has no such
variable: its telemetry is turned off in ``dagster.yaml`` (see ``vault_pipelines.instance``). The
PII package also pins tldextract to its bundled public-suffix snapshot.
"""

from __future__ import annotations

import os

OFFLINE_ENV: dict[str, str] = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def enforce_offline_defaults() -> None:
    """Set the opt-out variables of every library we use, unless already set."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
