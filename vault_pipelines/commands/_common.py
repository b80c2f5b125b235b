"""Helpers shared by the CLI subcommands."""

from __future__ import annotations

import argparse

from vault_core.settings import VaultSettings, resolve_home


def settings_from(args: argparse.Namespace) -> VaultSettings:
    """Settings for ``--home`` or ``$VAULT_HOME``."""
    return VaultSettings(home=resolve_home(args.home)) if args.home else VaultSettings.from_env()
