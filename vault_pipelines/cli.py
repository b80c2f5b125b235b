"""The ``vault`` command line: run the demo, query the registry."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from vault_core.settings import VaultSettings, resolve_home


def _settings(args: argparse.Namespace) -> VaultSettings:
    return VaultSettings(home=resolve_home(args.home)) if args.home else VaultSettings.from_env()


def _cmd_demo(args: argparse.Namespace) -> int:
    import dagster as dg

    from vault_pipelines.demo import run_demo
    from vault_pipelines.instance import ensure_dagster_home
    from vault_pipelines.summary import render

    settings = _settings(args)
    dagster_home = ensure_dagster_home(args.dagster_home)
    print(f"vault home: {settings.home}\ndagster home: {dagster_home}")
    with dg.DagsterInstance.get() as instance:
        run = run_demo(settings, instance, tickets=args.tickets, customers=args.customers)
    rows = sum(run.corpus.rows.values())
    print(f"landing: {rows} rows in {len(run.corpus.files)} files under {settings.landing_url}")
    print(f"dagster run {run.run_id}: {'success' if run.success else 'FAILED'}\n")
    print(render(run.summaries))
    return 0 if run.success else 1


def _cmd_registry_list(args: argparse.Namespace) -> int:
    from vault_core.registry import Registry

    settings = _settings(args)
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="vault", description=__doc__)
    parser.add_argument("--home", help="vault home (default: $VAULT_HOME or .vault_home)")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="land synthetic data and materialize every asset")
    demo.add_argument("--dagster-home", help="Dagster instance folder (default: .dagster_home)")
    demo.add_argument("--tickets", type=int, default=3000, help="support tickets to generate")
    demo.add_argument("--customers", type=int, default=2500, help="customer rows to generate")
    demo.set_defaults(handler=_cmd_demo)

    registry = commands.add_parser("registry", help="query the registry")
    registry_commands = registry.add_subparsers(dest="registry_command", required=True)
    listing = registry_commands.add_parser("list", help="list registered versions")
    listing.add_argument("--name", help="only this asset")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_cmd_registry_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vault`` console script."""
    args = build_parser().parse_args(argv)
    from vault_core.exceptions import VaultError

    try:
        return int(args.handler(args))
    except VaultError as exc:
        print(f"vault: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
