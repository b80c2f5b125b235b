"""vault_core: ingest, detect PII, anonymize by policy, seal and register datasets. No Dagster here.

Notebook entry point: ``from vault_core.vault import Vault``.
"""

from vault_core.offline import enforce_offline_defaults

__version__ = "0.1.0"

enforce_offline_defaults()

__all__ = ["__version__"]
