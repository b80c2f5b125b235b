"""``vault audit ...`` and ``vault access ...``: verify and list the audit log, sign a
checkpoint; say who acts and what the policy allows them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vault_pipelines.commands._common import settings_from


def _vault(args: argparse.Namespace) -> Any:
    from vault_core.vault import Vault

    return Vault(settings_from(args), purpose=getattr(args, "purpose", None))


def _audit_resource(vault: Any) -> Any:
    from vault_core.access import Resource

    tenant = vault.principal.tenant
    return Resource("AuditLog", tenant, tenant)


def instance_anchors(home: str, limit: int = 5) -> list[Any]:
    """The latest audit checkpoints of the vault at ``home`` that the instance of
    ``$DAGSTER_HOME`` recorded."""
    import dagster as dg

    from vault_pipelines.instance import ensure_dagster_home

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        return anchors_from(instance, home, limit)


def anchors_from(instance: Any, home: str, limit: int = 5, scan: int = 500) -> list[Any]:
    """The latest ``limit`` audit checkpoints of the vault at ``home`` that ``instance``
    recorded (observations of ``vault_audit``, among its last ``scan``), newest first."""
    from vault_core.audit import Anchor
    from vault_pipelines.factory import AUDIT_ASSET_KEY

    anchors = []
    for record in instance.fetch_observations(AUDIT_ASSET_KEY, limit=scan).records:
        observation = record.asset_observation
        if observation is None or len(anchors) >= limit:
            continue
        meta = {k: v.value for k, v in observation.metadata.items()}
        if meta.get("vault_home") != home:
            continue
        anchors.append(
            Anchor(
                seq=int(meta["seq"]),
                head=str(meta["head"]),
                public_key=str(meta.get("public_key", "")),
                source=f"Dagster instance (run {record.run_id[:8]})",
            )
        )
    return anchors


def _verify(args: argparse.Namespace) -> int:
    from vault_core.audit import verify_log

    vault = _vault(args)
    vault.access.require("audit:read", _audit_resource(vault), durable=True)
    vault.audit.flush()
    anchors = [] if args.no_instance else instance_anchors(vault.settings.home)
    report = verify_log(vault.audit.directory, anchors=anchors)
    summary = {
        "ok": report.ok,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "anchors": report.anchors,
        "first_bad_line": report.first_bad_line,
        "first_bad_seq": report.first_bad_seq,
        "problems": report.problems,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for problem in report.problems:
            print(f"FAIL {problem}")
        if report.first_bad_line is not None:
            print(f"first bad entry: line {report.first_bad_line} (seq {report.first_bad_seq})")
        print(
            f"audit log {'intact' if report.ok else 'TAMPERED'}: {report.entries} entries, "
            f"{report.checkpoints} checkpoints, {report.anchors} instance anchors"
        )
    return 0 if report.ok else 1


def _list(args: argparse.Namespace) -> int:
    from vault_core.audit import AuditFilter, select

    vault = _vault(args)
    vault.access.require("audit:read", _audit_resource(vault))
    criteria = AuditFilter(
        principal=args.principal,
        dataset=args.dataset,
        action=args.action,
        decision=args.decision,
        tenant=vault.principal.tenant,  # an auditor reads its own tenant's entries
        since=args.since,
        until=args.until,
    )
    rows = [entry.model_dump(mode="json") for entry in select(vault.audit.entries(), criteria)]
    if args.limit:
        rows = rows[-args.limit :]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['seq']:>7} {row['time'][:23]} {row['principal']:<20} {row['action']:<18} "
            f"{row['decision']:<5} {row['resource']:<24} {row['reason']}"
        )
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    vault = _vault(args)
    vault.access.require("audit:read", _audit_resource(vault))
    checkpoint = vault.audit.checkpoint()
    if checkpoint is None:
        print("nothing to checkpoint (empty log, or no keyring yet)")
        return 0
    print(f"checkpoint of entry {checkpoint.seq}: head {checkpoint.head[:16]}…")
    return 0


def _whoami(args: argparse.Namespace) -> int:
    vault = _vault(args)
    print(json.dumps(vault.principal.model_dump(mode="json"), indent=2))
    return 0


def _check(args: argparse.Namespace) -> int:
    vault = _vault(args)
    decision = vault.access.check(args.action, vault.access.dataset(args.dataset))
    print(f"{'ALLOW' if decision.allowed else 'DENY'}: {decision.reason}")
    return 0 if decision.allowed else 1


def add_commands(commands: Any) -> None:
    """Register ``audit verify|list|checkpoint`` and ``access whoami|check``."""
    audit = commands.add_parser("audit", help="verify and read the audit log")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="check the hash chain, checkpoints and instance anchors")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.add_argument(
        "--no-instance", action="store_true", help="skip the Dagster instance's anchors"
    )
    verify.set_defaults(handler=_verify)
    listing = sub.add_parser("list", help="entries of your tenant, filtered")
    listing.add_argument("--principal")
    listing.add_argument("--dataset")
    listing.add_argument("--action", help="e.g. dataset:read_raw")
    listing.add_argument("--decision", choices=["allow", "deny", "info"])
    listing.add_argument("--since", help="ISO time (UTC), e.g. 2026-12-01 or 2026-12-01T10:00")
    listing.add_argument("--until", help="ISO time (UTC), exclusive")
    listing.add_argument("--limit", type=int, default=0, help="only the last N")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of the log's head now")
    checkpoint.set_defaults(handler=_checkpoint)

    access = commands.add_parser("access", help="who acts, and what the policy allows")
    access_sub = access.add_subparsers(dest="access_command", required=True)
    whoami = access_sub.add_parser("whoami", help="the acting principal ($VAULT_PRINCIPAL)")
    whoami.set_defaults(handler=_whoami)
    check = access_sub.add_parser("check", help="would the policy allow ACTION on DATASET?")
    check.add_argument("action", help="e.g. dataset:read_raw")
    check.add_argument("dataset")
    check.add_argument("--purpose", help="declared purpose of use")
    check.set_defaults(handler=_check)
