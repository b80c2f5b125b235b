"""``vault events ...`` and ``vault webhooks ...``: derive and list events; subscribe URLs, test
them, deliver, and read or replay the delivery log."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from vault_pipelines.commands._common import settings_from


def _vault(args: argparse.Namespace) -> Any:
    from vault_core.vault import Vault

    return Vault(settings_from(args))


def _webhooks(args: argparse.Namespace) -> Any:
    from vault_core.events import networks_from_env
    from vault_pipelines.event_sensor import open_webhooks

    networks = [*networks_from_env(), *(getattr(args, "allow_network", None) or [])]
    return open_webhooks(_vault(args), allow_networks=networks, timeout=args.timeout)


def _instance() -> Any:
    import dagster as dg

    from vault_pipelines.instance import ensure_dagster_home

    ensure_dagster_home()
    return dg.DagsterInstance.get()


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")


# -- vault events ---------------------------------------------------------------------------


def _events_sync(args: argparse.Namespace) -> int:
    from vault_core.events import Outbox, events_folder
    from vault_pipelines.event_sensor import derive_events

    vault = _vault(args)
    outbox = Outbox(events_folder(vault.settings))
    with _instance() as instance:
        derived, keys = derive_events(instance, vault, outbox)
    print(
        f"{derived.added + keys} new events ({derived.materializations} materializations, "
        f"{derived.observations} observations, {derived.check_executions} check executions "
        f"read) in {derived.seconds:.3f}s; the outbox holds {outbox.count()}"
    )
    return 0


def _events_list(args: argparse.Namespace) -> int:
    from vault_core.events import Outbox, events_folder

    outbox = Outbox(events_folder(_vault(args).settings))
    stored = outbox.events(dataset=args.dataset, type_prefix=args.type)
    for event in stored[-args.limit :] if args.limit else stored:
        if args.json:
            print(event.body)
        else:
            e = event.envelope
            print(f"{e.id}  {e.time}  {e.type:<34}{e.subject:<16}{json.dumps(e.data)}")
    return 0


# -- vault webhooks -------------------------------------------------------------------------


def _add(args: argparse.Namespace) -> int:
    hooks = _webhooks(args)
    sub = hooks.add(
        args.url,
        args.events or ["*"],
        datasets=args.dataset or [],
        secret_env=args.secret_env,
        tenant=args.tenant,
    )
    print(f"{sub.id}: {', '.join(sub.events)} -> {args.url}")
    if sub.secret_env:
        print(f"signing secret: read from ${sub.secret_env} where deliveries run")
    else:
        print(f"signing secret (derived from the keyring, stored nowhere): {hooks.secret(sub)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from vault_core.events.targets import public_url

    subscriptions = _webhooks(args).subscriptions()
    if args.json:
        rows = [
            {
                "id": s.id,
                "url": public_url(s.url),
                "events": s.events,
                "datasets": s.datasets,
                "secret": f"env:{s.secret_env}" if s.secret_env else "keyring",
                "status": s.status,
                "status_reason": s.status_reason,
                "created": _when(s.created_ms),
            }
            for s in subscriptions
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for s in subscriptions:
        secret = f"env:{s.secret_env}" if s.secret_env else "keyring"
        scope = ",".join(s.datasets) or "*"
        print(
            f"{s.id}  {s.status:<9}{public_url(s.url)}  events={','.join(s.events)}  "
            f"datasets={scope}  secret={secret}"
            + (f"  ({s.status_reason})" if s.status_reason else "")
        )
    return 0


def _remove(args: argparse.Namespace) -> int:
    _webhooks(args).remove(args.id)
    print(f"{args.id}: removed")
    return 0


def _enable(args: argparse.Namespace) -> int:
    _webhooks(args).enable(args.id)
    print(f"{args.id}: enabled")
    return 0


def _secret(args: argparse.Namespace) -> int:
    print(_webhooks(args).secret(args.id))
    return 0


def _test(args: argparse.Namespace) -> int:
    response = _webhooks(args).test(args.id)
    if response.ok:
        print(f"{args.id}: HTTP {response.status} in {response.seconds * 1000:.0f} ms")
        return 0
    print(f"{args.id}: failed: {response.error}")
    return 1


def _deliver(args: argparse.Namespace) -> int:
    from vault_pipelines.event_sensor import events_pass

    hooks = _webhooks(args)
    with _instance() as instance:
        result = events_pass(instance, _vault(args), hooks)
    print(result.summary())
    return 0


def _deliveries(args: argparse.Namespace) -> int:
    hooks = _webhooks(args)
    rows = hooks.deliveries(subscription_id=args.subscription, status=args.status, limit=args.limit)
    if args.json:
        out = [
            {
                "id": d.id,
                "subscription_id": d.subscription_id,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "dataset": d.dataset,
                "status": d.status,
                "attempts": d.attempts,
                "next_attempt": _when(d.next_ms) if d.status == "pending" else None,
                "finished": _when(d.finished_ms) if d.finished_ms else None,
                "last_status": d.last_status,
                "last_error": d.last_error,
                "log": [
                    {
                        "n": a.n,
                        "started": _when(a.started_ms),
                        "status_code": a.status_code,
                        "error": a.error,
                    }
                    for a in hooks.attempts(d.id)
                ],
            }
            for d in rows
        ]
        print(json.dumps(out, indent=2))
        return 0
    for d in rows:
        when = f"next {_when(d.next_ms)}" if d.status == "pending" else _when(d.finished_ms)
        print(
            f"{d.id:>6}  {d.status:<10}{d.subscription_id}  {d.event_id}  {d.event_type:<34}"
            f"{d.dataset:<14}attempts={d.attempts}  {when}"
            + (f"  last: {d.last_error}" if d.last_error else "")
        )
    return 0


def _redeliver(args: argparse.Namespace) -> int:
    delivery = _webhooks(args).redeliver(args.id)
    print(f"delivery {delivery.id} ({delivery.event_id}) queued again: round {delivery.round}")
    return 0


def _timeout_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument(
        "--allow-network",
        action="append",
        metavar="CIDR",
        help="also allow this non-public network (e.g. 127.0.0.1/32); repeatable; also "
        "$VAULT_WEBHOOKS_ALLOW_NETWORKS",
    )


def add_commands(commands: Any) -> None:
    """Register ``events ...`` and ``webhooks ...``."""
    events = commands.add_parser("events", help="the event outbox")
    ev = events.add_subparsers(dest="events_command", required=True)
    sync = ev.add_parser("sync", help="derive new events from $DAGSTER_HOME and the keyring")
    sync.set_defaults(handler=_events_sync)
    listing = ev.add_parser("list", help="events in the outbox, in arrival order")
    listing.add_argument("--dataset", help="only this dataset's events")
    listing.add_argument("--type", help="only types starting with this, e.g. vault.key.")
    listing.add_argument("--limit", type=int, default=0, help="only the last N")
    listing.add_argument("--json", action="store_true", help="print the CloudEvents JSON")
    listing.set_defaults(handler=_events_list)

    hooks = commands.add_parser("webhooks", help="webhook subscriptions and deliveries")
    wh = hooks.add_subparsers(dest="webhooks_command", required=True)
    add = wh.add_parser("add", help="subscribe a URL to events")
    add.add_argument("url")
    add.add_argument(
        "--events",
        nargs="+",
        help="event types or patterns (default *: all but vault.webhook.*), e.g. "
        "vault.version.registered 'vault.key.*'",
    )
    add.add_argument("--dataset", nargs="+", help="only these datasets (default: all)")
    add.add_argument(
        "--secret-env",
        metavar="NAME",
        help="read the whsec_ signing secret from this variable where deliveries run "
        "(default: derive it from the keyring and print it once)",
    )
    add.add_argument("--tenant", help="the tenant the subscription belongs to")
    _timeout_arg(add)
    add.set_defaults(handler=_add)
    ls = wh.add_parser("list", help="list subscriptions (URLs without query or user info)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list, timeout=10.0)
    for name, handler, text in (
        ("remove", _remove, "remove a subscription"),
        ("enable", _enable, "deliver to a disabled subscription again"),
        ("secret", _secret, "print a subscription's signing secret"),
    ):
        sub = wh.add_parser(name, help=text)
        sub.add_argument("id")
        sub.set_defaults(handler=handler, timeout=10.0)
    test = wh.add_parser("test", help="send a signed vault.webhook.test.v1 ping now")
    test.add_argument("id")
    _timeout_arg(test)
    test.set_defaults(handler=_test)
    deliver = wh.add_parser(
        "deliver", help="derive, fan out and deliver once (what the sensor does)"
    )
    _timeout_arg(deliver)
    deliver.set_defaults(handler=_deliver)
    log = wh.add_parser("deliveries", help="the delivery log, newest first")
    log.add_argument("--subscription", help="only this subscription")
    log.add_argument("--status", choices=["pending", "sending", "delivered", "dead"])
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--json", action="store_true", help="JSON with every attempt")
    log.set_defaults(handler=_deliveries, timeout=10.0)
    redeliver = wh.add_parser("redeliver", help="queue a delivery again (same webhook-id)")
    redeliver.add_argument("id", type=int)
    redeliver.set_defaults(handler=_redeliver, timeout=10.0)
