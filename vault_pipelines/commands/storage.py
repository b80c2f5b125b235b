"""``vault verify``, ``vault gc`` and ``vault keys ...``: check and collect sealed objects,
rotate and list dataset keys."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from vault_pipelines.commands._common import settings_from


def _vault(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from vault_core.vault import Vault

    return Vault(settings_from(args), read_only=read_only)


def _verify(args: argparse.Namespace) -> int:
    from vault_core.stages import forget_damaged
    from vault_core.storage import verify_store

    vault = _vault(args, read_only=True)
    if vault.is_new():
        print("verified 0 objects: nothing sealed yet")
        return 0
    references = vault.references()
    # Verifying opens (decrypts) every object: dataset:read_raw on each dataset checked.
    for dataset in [args.dataset] if args.dataset else sorted(references):
        vault.access.require("dataset:read_raw", dataset, details={"operation": "verify"})
    report = verify_store(vault.store, scope=args.dataset, expected=references)
    # A rerun repairs: partitions naming a damaged object are re-ingested by their next run.
    forgotten = forget_damaged(vault, set(report.failures))
    summary = {
        "checked": report.checked,
        "failed": len(report.failures),
        "missing": report.missing,
        "plaintext_bytes": report.plaintext_bytes,
        "seconds": round(report.seconds, 3),
        "failures": report.failures,
        "partitions_to_reingest": [f"{dataset}/{partition}" for dataset, partition in forgotten],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for address, error in sorted(report.failures.items()):
            print(f"FAIL {address}  {error}")
        print(
            f"verified {report.checked} objects ({report.plaintext_bytes} bytes) in "
            f"{report.seconds:.2f}s: {len(report.failures)} failed ({report.missing} missing)"
        )
        if forgotten:
            print(f"{len(forgotten)} partition(s) will be re-ingested (repaired) by their next run")
    return 0 if report.ok else 1


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``"24h"``, ``"30m"``, ``"2d"``, ``"0s"`` or plain seconds -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 24h, 30m, 2d, 0s)")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _gc(args: argparse.Namespace) -> int:
    from vault_core.storage import collect_garbage

    vault = _vault(args, read_only=True)  # gc reads headers only, never a key
    if vault.is_new():
        print("gc: nothing sealed yet")
        return 0
    report = collect_garbage(
        vault.store, vault.references(), grace=args.grace, dry_run=args.dry_run
    )
    verb = "would remove" if report.dry_run else "removed"
    summary = {
        "dry_run": report.dry_run,
        "removed": report.removed,
        "orphan_files": report.orphan_files,
        "orphan_bytes": report.orphan_bytes,
        "kept": report.kept,
        "young": report.young,
        "unindexed": report.unindexed,
        "seconds": round(report.seconds, 3),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for address in report.removed:
            print(f"{verb.upper().replace(' ', '-')} {address}")
        print(
            f"gc: {verb} {len(report.removed)} objects and {report.orphan_files} orphan files "
            f"({report.orphan_bytes} bytes); kept {report.kept} referenced, {report.young} "
            f"within the grace period, {report.unindexed} of unindexed datasets"
        )
    return 0


def _rotate(args: argparse.Namespace) -> int:
    report = _vault(args).rotate_keys(args.dataset)  # keys:rotate, audited
    print(
        f"{args.dataset}: now {report.new_key_id}; re-wrapped {report.rewrapped} objects "
        f"({report.unchanged} already current) in {report.seconds:.2f}s, "
        f"{report.objects_per_second:.0f} objects/s; payloads untouched"
    )
    usage = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(report.by_key_id.items()))
    print(f"objects per key version now: {usage or 'none'} (manifest key_id = key at sealing)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from vault_core.storage import key_usage

    vault = _vault(args, read_only=True)
    if vault.is_new():
        return 0  # nothing sealed, no keyring: nothing to list (and nothing created)
    vault.access.require("dataset:list", args.dataset)
    usage = key_usage(vault.store, args.dataset)
    for version in vault.key_provider.versions(args.dataset):
        objects = usage.pop(version.key_id, 0)
        print(f"{version.key_id:<40}{version.status:<11}{version.created:<27}{objects} objects")
    for key_id, objects in sorted(usage.items()):  # named by headers, unknown to the keyring
        print(f"{key_id:<40}{'unknown':<11}{'':<27}{objects} objects")
    return 0


def _destroy(args: argparse.Namespace) -> int:
    vault = _vault(args)
    if args.tenant:
        destroyed = vault.destroy_tenant_keys(args.tenant)  # keys:destroy on each, audited
        print(f"tenant {args.tenant}: shredded {len(destroyed)} key versions")
        return 0
    if not args.key_id:
        raise SystemExit("vault keys destroy: give a KEY_ID or --tenant TENANT")
    vault.destroy_key(args.key_id, shred=args.shred)  # keys:destroy, audited
    verb = "shredded" if args.shred else "destroyed (it protected no object)"
    print(f"{args.key_id}: {verb}")
    return 0


def add_commands(commands: Any) -> None:
    """Register ``verify``, ``gc``, ``keys rotate`` and ``keys list``."""
    verify = commands.add_parser("verify", help="open every sealed object and check its address")
    verify.add_argument("--dataset", help="only this dataset's objects")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(handler=_verify)
    gc = commands.add_parser(
        "gc", help="remove sealed objects no dataset references (mark and sweep)"
    )
    gc.add_argument(
        "--grace",
        type=parse_duration,
        default=parse_duration("24h"),
        help="keep objects and files younger than this (default 24h; e.g. 30m, 2d, 0s)",
    )
    gc.add_argument("--dry-run", action="store_true", help="report, remove nothing")
    gc.add_argument("--json", action="store_true", help="print JSON")
    gc.set_defaults(handler=_gc)
    keys = commands.add_parser("keys", help="manage dataset wrapping keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_commands.add_parser(
        "rotate", help="add a key version and re-wrap every data key of a dataset"
    )
    rotate.add_argument("--dataset", required=True, help="dataset (key scope) to rotate")
    rotate.set_defaults(handler=_rotate)
    listing = keys_commands.add_parser(
        "list", help="list a dataset's key versions and how many objects each protects now"
    )
    listing.add_argument("--dataset", required=True, help="dataset (key scope)")
    listing.set_defaults(handler=_list)
    destroy = keys_commands.add_parser(
        "destroy", help="destroy a key version; refused while any object's header names it"
    )
    destroy.add_argument("key_id", nargs="?", help="key version, e.g. local:tickets:v1")
    destroy.add_argument(
        "--tenant", help="crypto-shred every key version of every dataset of this tenant"
    )
    destroy.add_argument(
        "--shred",
        action="store_true",
        help="crypto-shred on purpose: destroy even if objects use it (they become unreadable)",
    )
    destroy.set_defaults(handler=_destroy)
