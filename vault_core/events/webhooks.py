"""Webhook subscriptions and reliable delivery of outbox events to them.

At least once, like Stripe and Svix: each outbox event is fanned out to the subscriptions that
want it as one delivery row; an attempt is recorded (and leased) before the request goes out,
and its answer after. A 2xx delivers; any other answer, a timeout or a refused connection is
retried after 1, 5 and 15 minutes (``RETRY_SCHEDULE``), then the delivery is dead (redeliver it
on request). Every attempt carries the event id as ``webhook-id``, so a receiver drops repeats.
Within one subscription the events of one dataset go out in outbox order: a later event waits
while an earlier one of the same dataset is pending. A 410 answer disables the subscription.
An attempt whose process died leaves its lease to expire; it is then sent again at once (same
id). Time comes from ``clock`` (injectable: tests move it instead of sleeping); the signature
timestamp always uses the wall clock, which receivers compare with theirs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vault_core.events import deliveries as log
from vault_core.events import subscriptions as subs
from vault_core.events._db import connect
from vault_core.events._http import Response, post
from vault_core.events.deliveries import Attempt, Delivery, Finish
from vault_core.events.envelope import canonical_json, rfc3339
from vault_core.events.exceptions import DeliveryNotFoundError, SecretUnavailableError
from vault_core.events.ids import event_id
from vault_core.events.outbox import Outbox
from vault_core.events.signing import DeriveSubkey, env_secret, keyring_secret, signed_headers
from vault_core.events.subscriptions import Subscription
from vault_core.events.targets import check_url, resolve_target
from vault_core.events.types import TEST_EVENT_TYPE, expand_patterns

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

FILE_NAME = "webhooks.sqlite3"
RETRY_SCHEDULE: tuple[float, ...] = (60.0, 300.0, 900.0)
"""Seconds to wait after the 1st, 2nd and 3rd failed attempt; after the 4th: dead."""
DEFAULT_TIMEOUT = 10.0
LEASE_GRACE = 60.0
"""Seconds past the timeout before an unanswered attempt counts as interrupted."""


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery pass did."""

    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0
    """Attempts that failed and will be retried."""
    dead: int = 0
    recovered: int = 0
    """Interrupted attempts (their process died) sent again."""
    disabled: tuple[str, ...] = ()
    """Subscriptions disabled by a 410 answer."""

    def summary(self) -> str:
        """One line for logs and sensor skip reasons."""
        return (
            f"webhooks: {self.fanned_out} queued, {self.delivered} delivered, {self.failed} "
            f"to retry, {self.dead} dead, {self.recovered} interrupted and resent"
            + (f", disabled: {', '.join(self.disabled)}" if self.disabled else "")
        )


class Webhooks:
    """Subscriptions, the delivery log and the dispatcher of one vault (``webhooks.sqlite3``).

    Args:
        folder: The vault's events folder (see :func:`vault_core.events.events_folder`).
        derive_subkey: The keyring's subkey derivation, for subscriptions whose secret is not
            in an environment variable (None: such subscriptions cannot be signed here).
        allow_networks: Non-public networks webhook URLs may resolve to (``127.0.0.1/32`` for
            tests and local development); everything else must be a public address.
        timeout: Seconds to wait for connecting and for each read of an answer.
        schedule: Seconds between failed attempts; one more attempt than entries.
        clock: Seconds since the epoch, for scheduling (tests inject their own).
    """

    def __init__(
        self,
        folder: Path,
        *,
        derive_subkey: DeriveSubkey | None = None,
        allow_networks: Sequence[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
        schedule: Sequence[float] = RETRY_SCHEDULE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = folder / FILE_NAME
        self._db = connect(self.path)
        self._db.executescript(subs.SCHEMA + log.SCHEMA)
        self._derive = derive_subkey
        self.allow_networks = list(allow_networks)
        self.timeout = timeout
        self.schedule = tuple(schedule)
        self.clock = clock

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- subscriptions --------------------------------------------------------------------

    def add(
        self,
        url: str,
        events: Sequence[str] = ("*",),
        *,
        datasets: Sequence[str] = (),
        secret_env: str | None = None,
        tenant: str | None = None,
    ) -> Subscription:
        """Subscribe ``url``; it receives the selected events that happen from now on.

        The URL is checked now (shape, and that it resolves to an allowed address) and again
        before every attempt. Without ``secret_env`` the secret is derived from the keyring
        (show it with :meth:`secret`).

        Raises:
            TargetRefusedError: The URL is malformed or resolves to a refused address.
            UnknownEventTypeError: A pattern selects no event type.
        """
        check_url(url)
        resolve_target(url, self.allow_networks)
        sub = Subscription(
            id=subs.new_id(),
            url=url,
            events=expand_patterns(list(events)),
            datasets=sorted(set(datasets)),
            secret_env=secret_env,
            tenant=tenant,
            created_ms=self._now_ms(),
        )
        if secret_env is None:
            self.secret(sub)  # fail now, not at the first delivery, when there is no keyring
        subs.insert(self._db, sub)
        return sub

    def subscriptions(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        return subs.all_subscriptions(self._db)

    def subscription(self, subscription_id: str) -> Subscription:
        """One subscription (raises SubscriptionNotFoundError)."""
        return subs.get(self._db, subscription_id)

    def remove(self, subscription_id: str) -> None:
        """Remove a subscription; its pending deliveries are dropped, the log of the others kept."""
        subs.delete(self._db, subscription_id)
        self._db.execute(
            "UPDATE deliveries SET status = 'dead', last_error = 'subscription removed' "
            "WHERE subscription_id = ? AND status IN ('pending', 'sending')",
            (subscription_id,),
        )

    def enable(self, subscription_id: str) -> None:
        """Deliver to a disabled subscription again (new events from now on)."""
        subs.set_status(self._db, subscription_id, "active", "")

    def disable(self, subscription_id: str, reason: str) -> None:
        """Stop delivering to a subscription."""
        subs.set_status(self._db, subscription_id, "disabled", reason)

    def secret(self, sub: Subscription | str) -> str:
        """The signing secret of a subscription (``whsec_...``): give it to the receiver.

        Raises:
            SecretUnavailableError: Its variable is unset, or there is no keyring to derive it.
        """
        sub = self.subscription(sub) if isinstance(sub, str) else sub
        if sub.secret_env:
            return env_secret(sub.secret_env)
        if self._derive is None:
            raise SecretUnavailableError(
                f"subscription {sub.id} signs with a keyring-derived secret but no keyring is "
                "open here (set the vault master secret)"
            )
        return keyring_secret(self._derive, sub.id, sub.secret_version)

    def test(self, subscription_id: str) -> Response:
        """Send a signed ``vault.webhook.test.v1`` ping now (not recorded in the outbox).

        Raises:
            TargetRefusedError: The URL resolves to a refused address.
        """
        sub = self.subscription(subscription_id)
        now = self.clock()
        fact = f"test:{sub.id}:{int(now * 1000)}"
        body = canonical_json(
            {
                "specversion": "1.0",
                "id": event_id(fact, int(now * 1000)),
                "source": "urn:vault",
                "type": TEST_EVENT_TYPE,
                "subject": "",
                "time": rfc3339(int(now * 1000)),
                "datacontenttype": "application/json",
                "data": {"subscription_id": sub.id},
            }
        )
        msg_id = event_id(fact, int(now * 1000))
        return self._send(sub, msg_id, body.encode("utf-8"))

    def _send(self, sub: Subscription, msg_id: str, body: bytes) -> Response:
        target = resolve_target(sub.url, self.allow_networks)
        headers = signed_headers(self.secret(sub), msg_id, body, time.time())
        return post(target, body, headers, self.timeout)

    # -- fan-out ------------------------------------------------------------------------------

    def _meta(self, name: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row["value"]) if row else default

    def _set_meta(self, name: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def fan_out(self, outbox: Outbox, *, batch: int = 1000) -> int:
        """Queue a delivery per new outbox event and subscription that wants it; how many.

        Follows the outbox by ``seq``; a rebuilt outbox (new generation) is read again from
        the start, and the unique (subscription, event id) keeps it from queuing anything twice.
        """
        active = [s for s in self.subscriptions() if s.status == "active"]
        generation = outbox.generation
        after = int(self._meta("fanout_seq", "0")) if self._meta("fanout_gen") == generation else 0
        queued = 0
        now = self._now_ms()
        while True:
            events = outbox.events(after_seq=after, limit=batch)
            if not events:
                return queued
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for stored in events:
                    event = stored.envelope
                    for sub in active:
                        if not sub.wants(event.type, event.subject, event.time_ms):
                            continue
                        cursor = self._db.execute(
                            "INSERT OR IGNORE INTO deliveries (subscription_id, event_id, "
                            "event_type, dataset, body, next_ms, created_ms) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (sub.id, event.id, event.type, event.subject, stored.body, now, now),
                        )
                        queued += cursor.rowcount
                after = events[-1].seq
                self._set_meta("fanout_gen", generation)
                self._set_meta("fanout_seq", str(after))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- delivery -----------------------------------------------------------------------------

    def deliver_due(
        self, *, max_deliveries: int = 200, max_seconds: float | None = None
    ) -> DeliveryReport:
        """Attempt every delivery that is due, in order per subscription and dataset."""
        report = DeliveryReport(recovered=self._recover())
        started = time.monotonic()
        attempted = 0
        while attempted < max_deliveries:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break
            due = self._due(max_deliveries - attempted)
            if not due:
                break
            for delivery in due:
                report = self._attempt(delivery, report)
                attempted += 1
        return report

    def _due(self, limit: int) -> list[Delivery]:
        rows = self._db.execute(
            "SELECT d.* FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
            "WHERE d.status = 'pending' AND d.next_ms <= ? AND s.status = 'active' "
            "AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = "
            "d.subscription_id AND e.dataset = d.dataset AND e.id < d.id "
            "AND e.status IN ('pending', 'sending')) ORDER BY d.id LIMIT ?",
            (self._now_ms(), limit),
        ).fetchall()
        return [log.delivery_of(row) for row in rows]

    def _recover(self) -> int:
        """Attempts whose lease expired without an answer (their process died): due again now,
        the retry schedule where it was (the receiver may have got it: same id, at least once)."""
        now = self._now_ms()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute(
                "SELECT id FROM deliveries WHERE status = 'sending' AND lease_ms <= ?", (now,)
            ).fetchall()
            for row in rows:
                self._db.execute(
                    "UPDATE attempts SET finished_ms = ?, error = 'interrupted: no answer "
                    "recorded' WHERE delivery_id = ? AND finished_ms IS NULL",
                    (now, row["id"]),
                )
                self._db.execute(
                    "UPDATE deliveries SET status = 'pending', tries = tries - 1, next_ms = ?, "
                    "lease_ms = NULL, last_error = 'interrupted' WHERE id = ?",
                    (now, row["id"]),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return len(rows)

    def _attempt(self, delivery: Delivery, report: DeliveryReport) -> DeliveryReport:
        sub = self.subscription(delivery.subscription_id)
        if sub.status != "active":
            return report  # disabled since this batch was read (a 410 on an earlier delivery)
        now = self._now_ms()
        lease = now + int((self.timeout + LEASE_GRACE) * 1000)
        self._db.execute("BEGIN IMMEDIATE")
        claimed = self._db.execute(
            "UPDATE deliveries SET status = 'sending', tries = tries + 1, "
            "attempts = attempts + 1, lease_ms = ? WHERE id = ? AND status = 'pending'",
            (lease, delivery.id),
        ).rowcount
        if claimed:
            self._db.execute(
                "INSERT INTO attempts (delivery_id, n, started_ms) VALUES (?, ?, ?)",
                (delivery.id, delivery.attempts + 1, now),
            )
        self._db.execute("COMMIT")
        if not claimed:
            return report  # another dispatcher took it
        try:
            response = self._send(sub, delivery.event_id, delivery.body.encode("utf-8"))
        except SecretUnavailableError as exc:
            response = Response(None, str(exc), 0.0)
        except Exception as exc:  # a refused target (DNS changed) and the like: a failed attempt
            response = Response(None, f"{type(exc).__name__}: {exc}", 0.0)
        return self._record(delivery, sub, response, report)

    def _record(
        self, delivery: Delivery, sub: Subscription, response: Response, report: DeliveryReport
    ) -> DeliveryReport:
        now = self._now_ms()
        tries = delivery.tries + 1
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "UPDATE attempts SET finished_ms = ?, status_code = ?, error = ? "
                "WHERE delivery_id = ? AND n = ?",
                (now, response.status, response.error, delivery.id, delivery.attempts + 1),
            )
            if response.ok:
                self._finish(delivery.id, "delivered", response, now)
                report = replace(report, delivered=report.delivered + 1)
            elif response.status == 410:
                reason = "the endpoint answered 410 Gone"
                subs.set_status(self._db, sub.id, "disabled", reason)
                self._finish(delivery.id, "dead", response, now)
                report = replace(report, dead=report.dead + 1, disabled=(*report.disabled, sub.id))
                logger.warning("webhook subscription %s disabled: %s", sub.id, reason)
            elif tries > len(self.schedule):
                self._finish(delivery.id, "dead", response, now)
                report = replace(report, dead=report.dead + 1)
            else:
                self._db.execute(
                    "UPDATE deliveries SET status = 'pending', next_ms = ?, lease_ms = NULL, "
                    "last_status = ?, last_error = ? WHERE id = ?",
                    (
                        now + int(self.schedule[tries - 1] * 1000),
                        response.status,
                        response.error,
                        delivery.id,
                    ),
                )
                report = replace(report, failed=report.failed + 1)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return report

    def _finish(self, delivery_id: int, status: str, response: Response, now: int) -> None:
        self._db.execute(
            "UPDATE deliveries SET status = ?, finished_ms = ?, lease_ms = NULL, last_status = ?, "
            "last_error = ? WHERE id = ?",
            (status, now, response.status, response.error, delivery_id),
        )
        # Append-only: a redelivered delivery finishes again in a new row, so the events
        # derived from this table can be derived again identically.
        self._db.execute(
            "INSERT INTO finishes (delivery_id, round, status, attempts, status_code, error, "
            "finished_ms) SELECT id, round, status, attempts, last_status, last_error, "
            "finished_ms FROM deliveries WHERE id = ?",
            (delivery_id,),
        )

    # -- the log ------------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        subscription_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[Delivery]:
        """Deliveries, newest first."""
        query = "SELECT * FROM deliveries WHERE 1 = 1"
        params: list[object] = []
        if subscription_id is not None:
            query += " AND subscription_id = ?"
            params.append(subscription_id)
        if status is not None:
            query += " AND status = ?"
            params.append(status)
        query += " ORDER BY id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [log.delivery_of(row) for row in self._db.execute(query, params)]

    def delivery(self, delivery_id: int) -> Delivery:
        """One delivery (raises DeliveryNotFoundError)."""
        row = self._db.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        if row is None:
            raise DeliveryNotFoundError(delivery_id)
        return log.delivery_of(row)

    def attempts(self, delivery_id: int) -> list[Attempt]:
        """The attempts of a delivery, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM attempts WHERE delivery_id = ? ORDER BY n", (delivery_id,)
        ).fetchall()
        return [log.attempt_of(row) for row in rows]

    def redeliver(self, delivery_id: int) -> Delivery:
        """Queue a delivery again now (a new round of retries, the same ``webhook-id``).

        Raises:
            DeliveryNotFoundError: No such delivery.
        """
        self.delivery(delivery_id)
        self._db.execute(
            "UPDATE deliveries SET status = 'pending', tries = 0, round = round + 1, "
            "next_ms = ?, lease_ms = NULL, finished_ms = NULL WHERE id = ?",
            (self._now_ms(), delivery_id),
        )
        return self.delivery(delivery_id)

    def finished_after(self, seq: int, limit: int = 1000) -> list[Finish]:
        """Deliveries finished (delivered or dead) after ``seq``, in finishing order."""
        rows = self._db.execute(
            "SELECT f.*, d.subscription_id, d.event_id, d.event_type, d.dataset FROM finishes f "
            "JOIN deliveries d ON d.id = f.delivery_id WHERE f.seq > ? ORDER BY f.seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [log.finish_of(row) for row in rows]
