"""``vault registry ...``: query and curate the registry, and sync it from the Dagster instance."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vault_pipelines.commands._common import settings_from


def _registry(args: argparse.Namespace) -> Any:
    from vault_core.vault import Vault

    # The acting principal's view: other tenants' datasets are invisible, writes are checked.
    return Vault(settings_from(args)).registry


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def _list(args: argparse.Namespace) -> int:
    tags = dict(item.split("=", 1) for item in args.tag or [])
    records = _registry(args).search(
        args.text or "",
        name=args.name,
        kind=args.kind,
        status=args.status,
        tags=tags or None,
        versions=args.versions,
    )
    rows = [record.summary() for record in records]
    if args.json:
        _print(rows)
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


def _get(args: argparse.Namespace) -> int:
    _print(_registry(args).get(args.name, args.version).model_dump(mode="json"))
    return 0


def _history(args: argparse.Namespace) -> int:
    _print(
        [
            {**r.summary(), "status_history": [c.model_dump(mode="json") for c in r.status_history]}
            for r in _registry(args).history(args.name)
        ]
    )
    return 0


def _lineage(args: argparse.Namespace) -> int:
    lineage = _registry(args).lineage(args.name, args.version)
    _print({"root": lineage.root, "nodes": lineage.nodes, "edges": lineage.edges})
    return 0


def _impact(args: argparse.Namespace) -> int:
    _print([r.summary() for r in _registry(args).impact(args.name, args.version)])
    return 0


def _diff(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    _print(asdict(_registry(args).diff(args.name, args.old, args.new)))
    return 0


def _instance() -> Any:
    import dagster as dg

    from vault_pipelines.instance import ensure_dagster_home

    ensure_dagster_home()
    return dg.DagsterInstance.get()


def _status(args: argparse.Namespace) -> int:
    from vault_pipelines.registry_sync import RegistrySync

    registry = _registry(args)
    action = registry.deprecate if args.registry_command == "deprecate" else registry.archive
    print(action(args.name, args.version, args.reason).summary()["status"])
    # Show it in the Dagster UI at once (an observation of <ds>/registered).
    with _instance() as instance:
        RegistrySync(instance, registry).report_statuses()
    return 0


def _alias(args: argparse.Namespace) -> int:
    from vault_pipelines.registry_sync import report_alias

    registry = _registry(args)
    registry.set_alias(args.name, args.alias, args.version)
    # Recorded in the instance too (an observation of <ds>/registered): a rebuilt index has it.
    with _instance() as instance:
        report_alias(instance, registry.get(args.name, args.version), args.alias, on=True)
    return 0


def _check(args: argparse.Namespace) -> int:
    result = _registry(args).evaluate(args.name, args.version)
    _print({"policy": result.policy, "key": result.key, "failures": result.failures})
    return 0 if result.passed else 1


def _sync(args: argparse.Namespace) -> int:
    from vault_core.registry import Registry
    from vault_pipelines.registry_sync import RegistrySync

    settings = settings_from(args)  # a projection of the instance, not a principal's write
    with _instance() as instance:
        result = RegistrySync(
            instance, Registry.open(settings.registry_url, settings.storage_options or None)
        ).run()
    print(
        f"{result.materializations} materializations read, {result.inserted} new records, "
        f"{result.check_evaluations} check evaluations in {result.seconds:.3f}s"
    )
    for key in result.non_compliant:
        print(f"non-compliant: {key}")
    return 0


def add_commands(commands: Any) -> None:
    """Register the ``registry`` subcommands (list, get, lineage, impact, diff, sync...)."""
    registry = commands.add_parser("registry", help="query the registry")
    sub = registry.add_subparsers(dest="registry_command", required=True)

    listing = sub.add_parser("list", help="list (and search) registered versions")
    listing.add_argument("text", nargs="?", help="substring of name, tag or annotation")
    listing.add_argument("--name", help="only this asset")
    listing.add_argument("--kind", help="dataset, model, pipeline, policy, test_suite")
    listing.add_argument("--status", help="active, deprecated, archived, non_compliant")
    listing.add_argument("--tag", action="append", help="key=value (repeatable)")
    listing.add_argument("--versions", help="semver range, e.g. '>=1.1,<2' or '^1.2'")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)

    def named(cmd: str, help_text: str, handler: Any, version: bool = True) -> Any:
        parser = sub.add_parser(cmd, help=help_text)
        parser.add_argument("name")
        if version:
            parser.add_argument("version", nargs="?", help="semver or alias (default: latest)")
        parser.set_defaults(handler=handler)
        return parser

    named("get", "one version as JSON", _get)
    named("history", "every version with its status history", _history, version=False)
    named("lineage", "upstream graph down to source files and run ids", _lineage)
    named("impact", "everything downstream (models included)", _impact)
    named("check", "evaluate the training-ready policy (exit 1 if it fails)", _check)
    diff = named("diff", "schema, row count and PII differences", _diff, version=False)
    diff.add_argument("old")
    diff.add_argument("new")
    for cmd in ("deprecate", "archive"):
        status = sub.add_parser(cmd, help=f"{cmd} a version")
        status.add_argument("name")
        status.add_argument("version")
        status.add_argument("--reason", required=True)
        status.set_defaults(handler=_status)
    alias = sub.add_parser("alias", help="point an alias (e.g. production) at a version")
    alias.add_argument("name")
    alias.add_argument("alias")
    alias.add_argument("version")
    alias.set_defaults(handler=_alias)
    sync = sub.add_parser("sync", help="sync the index from the Dagster instance ($DAGSTER_HOME)")
    sync.set_defaults(handler=_sync)
