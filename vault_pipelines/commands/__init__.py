"""Subcommands of the ``vault`` CLI, one module per area; each exposes ``add_commands``."""
