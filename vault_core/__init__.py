"""vault_core: ingest, detect PII, anonymize by policy, seal and register datasets. No Dagster here.

Notebook entry point: ``from vault_core.vault import Vault``.
"""

from vault_core.offline import enforce_offline_defaults
from vault_core.threads import leave_a_core_to_python

__version__ = "0.1.0"

enforce_offline_defaults()
leave_a_core_to_python()

__all__ = ["__version__"]
