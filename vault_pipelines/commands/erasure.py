"""``vault erase`` and ``vault datasets delete``: right to erasure and dataset deletion.

Identifiers are read from a file or standard input (one per line) as well as the command line:
command lines end up in shell histories and process lists. Receipts hold counts and versions,
never an identifier.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import Any

from vault_pipelines.commands._common import settings_from


def _identifiers(args: argparse.Namespace) -> list[str]:
    found = list(args.identifiers or [])
    if args.from_file:
        if args.from_file == "-":
            text = sys.stdin.read()
        else:
            with open(args.from_file, encoding="utf-8") as handle:
                text = handle.read()
        found += [line.strip() for line in text.splitlines() if line.strip()]
    return found


def _erase(args: argparse.Namespace) -> int:
    from vault_core.vault import Vault

    vault = Vault(settings_from(args))
    receipt = vault.erase(
        _identifiers(args), reason=args.reason, dataset=args.dataset, dry_run=args.dry_run
    )
    print(json.dumps(receipt.model_dump(mode="json"), indent=2))
    dagster_home = os.environ.get("DAGSTER_HOME")
    if not receipt.dry_run and dagster_home:
        if os.path.isdir(dagster_home):
            _report(vault, receipt)
        else:  # the erasure is done: say what was not recorded, do not fail after the fact
            print(
                f"vault: warning: $DAGSTER_HOME {dagster_home} is not a folder: the new "
                "versions were not recorded in a Dagster instance (the next run of the job "
                "reports them)",
                file=sys.stderr,
            )
    if receipt.verification is not None and not receipt.verification.passed:
        print("vault: error: the verification found the subject still present", file=sys.stderr)
        return 1
    return 0


def _report(vault: Any, receipt: Any) -> None:
    """Tell the Dagster instance ($DAGSTER_HOME): each new version as a materialization of
    ``<ds>/registered``, the versions now ``erased`` as status observations. Without an
    instance the next ``<ds>/registered`` run reports the version (it registers nothing new
    and carries the current record)."""
    import dagster as dg

    from vault_core.registry import Registry
    from vault_pipelines.registry_sync import RegistrySync, report_registration

    registry = Registry(vault.settings.registry_url, vault.settings.storage_options or None)
    with dg.DagsterInstance.get() as instance:
        for item in receipt.datasets:
            if item.new_version is None:
                continue
            name, version = item.new_version.split("@", 1)
            removed = {
                "erasure_id": receipt.erasure_id,
                "records": item.records,
                "quarantined": item.quarantined,
                "erased_versions": item.erased_versions,
            }
            report_registration(instance, registry.get(name, version), removed)
        RegistrySync(instance, registry).report_statuses()


def _delete(args: argparse.Namespace) -> int:
    from vault_core.vault import Vault

    report = Vault(settings_from(args)).delete_dataset(args.name, reason=args.reason)
    print(json.dumps(asdict(report), indent=2))
    return 0


def add_commands(commands: Any) -> None:
    """Register ``erase`` and ``datasets delete``."""
    erase = commands.add_parser(
        "erase", help="erase one person's records by identifiers (right to erasure)"
    )
    erase.add_argument(
        "identifiers", nargs="*", help="e-mail addresses, phone numbers, ids of one person"
    )
    erase.add_argument(
        "--from-file", help="read identifiers from this file, one per line ('-': stdin)"
    )
    erase.add_argument("--dataset", help="only this dataset (default: every dataset you may list)")
    erase.add_argument("--reason", required=True, help="why (a request number, never a name)")
    erase.add_argument("--dry-run", action="store_true", help="print the receipt, change nothing")
    erase.set_defaults(handler=_erase)

    datasets = commands.add_parser("datasets", help="manage whole datasets")
    sub = datasets.add_subparsers(dest="datasets_command", required=True)
    delete = sub.add_parser("delete", help="delete a dataset: keys shredded, data removed")
    delete.add_argument("name")
    delete.add_argument("--reason", required=True, help="why (kept in the registry and audit)")
    delete.set_defaults(handler=_delete)
