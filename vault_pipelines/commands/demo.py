"""``vault demo``: land synthetic data and materialize every asset."""

from __future__ import annotations

import argparse
from typing import Any

from vault_pipelines.commands._common import settings_from


def _demo(args: argparse.Namespace) -> int:
    import dagster as dg

    from vault_pipelines.demo import run_demo
    from vault_pipelines.instance import ensure_dagster_home
    from vault_pipelines.summary import render

    settings = settings_from(args)
    dagster_home = ensure_dagster_home(args.dagster_home)
    print(f"vault home: {settings.home}\ndagster home: {dagster_home}")
    with dg.DagsterInstance.get() as instance:
        run = run_demo(settings, instance, tickets=args.tickets, customers=args.customers)
    rows = sum(run.corpus.rows.values())
    print(f"landing: {rows} rows in {len(run.corpus.files)} files under {settings.landing_url}")
    print(f"dagster run {run.run_id}: {'success' if run.success else 'FAILED'}\n")
    print(render(run.summaries))
    return 0 if run.success else 1


def add_commands(commands: Any) -> None:
    """Register ``demo``."""
    demo = commands.add_parser("demo", help="land synthetic data and materialize every asset")
    demo.add_argument("--dagster-home", help="Dagster instance folder (default: .dagster_home)")
    demo.add_argument("--tickets", type=int, default=3000, help="support tickets to generate")
    demo.add_argument("--customers", type=int, default=2500, help="customer rows to generate")
    demo.set_defaults(handler=_demo)
