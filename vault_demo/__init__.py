"""vault_demo: the demo built on the vault library, apart from it.

A synthetic landing corpus (``synthetic``, the only user of Faker), the two demo datasets
(``datasets``), their Dagster definitions for ``workspace.yaml`` (``definitions``) and
``run_demo`` behind ``vault demo`` (``run``). Nothing in ``vault_core`` or ``vault_pipelines``
imports this package at module level (import-linter contracts in ``pyproject.toml``).
"""

__all__: list[str] = []
