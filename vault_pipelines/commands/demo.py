"""``vault demo``: land synthetic data and materialize every asset.

The demo itself lives in the ``vault_demo`` package; the handler imports it when the command runs,
never at module level, so the rest of the CLI works without the ``demo`` extra (Faker).
"""

from __future__ import annotations

import argparse
from typing import Any

from vault_pipelines.commands._common import settings_from


def _demo(args: argparse.Namespace) -> int:
    import dagster as dg

    from vault_core.exceptions import ConfigurationError
    from vault_pipelines.instance import ensure_dagster_home

    try:
        from vault_demo.run import run_demo
        from vault_demo.summary import render
    except ModuleNotFoundError as exc:
        if exc.name != "faker":
            raise
        raise ConfigurationError(
            "`vault demo` needs Faker: install the demo extra (`pip install 'vault[demo]'`, "
            "or `make install`)"
        ) from exc

    settings = settings_from(args)
    dagster_home = ensure_dagster_home(args.dagster_home)
    print(f"vault home: {settings.home}\ndagster home: {dagster_home}")
    with dg.DagsterInstance.get() as instance:
        run = run_demo(settings, instance, tickets=args.tickets, customers=args.customers)
    rows = sum(run.corpus.rows.values())
    print(f"landing: {rows} rows in {len(run.corpus.files)} files under {settings.landing_url}")
    print(f"dagster runs {', '.join(run.run_ids)}: {'success' if run.success else 'FAILED'}\n")
    print(render(run.summaries))
    return 0 if run.success else 1


def add_commands(commands: Any) -> None:
    """Register ``demo``."""
    demo = commands.add_parser("demo", help="land synthetic data and materialize every asset")
    demo.add_argument("--dagster-home", help="Dagster instance folder (default: .dagster_home)")
    demo.add_argument("--tickets", type=int, default=3000, help="support tickets to generate")
    demo.add_argument("--customers", type=int, default=2500, help="customer rows to generate")
    demo.set_defaults(handler=_demo)
