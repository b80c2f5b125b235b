"""The demo's Dagster definitions, named by ``workspace.yaml`` (``dagster dev``, ``make ui``).

``defs`` holds the demo datasets under ``$VAULT_HOME``; building it reads settings from the
environment only (no model loading, no key access, no storage scan).
"""

from __future__ import annotations

from vault_core.settings import VaultSettings
from vault_demo.datasets import demo_datasets
from vault_pipelines.definitions import build_definitions

_settings = VaultSettings.from_env()
defs = build_definitions(demo_datasets(_settings.landing_url, _settings.storage_options), _settings)
