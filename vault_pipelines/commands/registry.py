"""``vault registry ...``: query the registry."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vault_pipelines.commands._common import settings_from


def _list(args: argparse.Namespace) -> int:
    from vault_core.registry import Registry

    settings = settings_from(args)
    records = Registry.open(settings.registry_url, settings.storage_options or None).list(args.name)
    rows = [record.summary() for record in records]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no registered versions")
        return 0
    for row in rows:
        print(
            f"{row['name']:<14}{row['kind']:<9}{row['version']:<9}{row['status']:<10}"
            f"{row['created'][:19]}  {row['data_version']}"
        )
    return 0


def add_commands(commands: Any) -> None:
    """Register ``registry list``."""
    registry = commands.add_parser("registry", help="query the registry")
    registry_commands = registry.add_subparsers(dest="registry_command", required=True)
    listing = registry_commands.add_parser("list", help="list registered versions")
    listing.add_argument("--name", help="only this asset")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
