"""Deterministic synthetic landing corpus: support tickets (JSONL) and customers (CSV) full of
fake PII, with a few deliberately malformed and duplicated rows, for demos, tests and notebooks.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import posixpath
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any, Final

import fsspec
from faker import Faker

from vault_core.exceptions import ConfigurationError
from vault_core.storage_options import fsspec_options

__all__ = [
    "CUSTOMER_COLUMNS",
    "DEMO_DATASETS",
    "MIN_ROWS",
    "TICKET_KEYS",
    "CorpusSummary",
    "generate_corpus",
]

logger = logging.getLogger(__name__)

DEMO_DATASETS: Final[tuple[str, ...]] = ("tickets", "customers")
TICKET_DAYS: Final[tuple[str, str]] = ("2026-11-30", "2026-12-01")
"""The days the tickets land under (``tickets/<day>/``): the demo's daily partitions."""
"""Names of the datasets :func:`generate_corpus` writes, one folder each under the destination."""

TICKET_KEYS: Final[tuple[str, ...]] = (
    "ticket_id",
    "created_at",
    "channel",
    "subject",
    "body",
    "priority",
)
CUSTOMER_COLUMNS: Final[tuple[str, ...]] = (
    "customer_id",
    "full_name",
    "email",
    "phone",
    "street_address",
    "city",
    "zip_code",
    "birth_date",
    "credit_card",
    "signup_date",
    "notes",
)
MIN_ROWS: Final = 20
"""Smallest row count per dataset that leaves room for the planted malformed and duplicate rows."""

_DUPLICATES: Final = 2
_POOL_SIZE: Final = 400
_IBAN_LOCALES: Final = ("en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES")
_TICKET_EPOCH: Final = datetime(2025, 1, 1, tzinfo=UTC)
_TICKET_MALFORMED_KINDS: Final = ("truncated_json", "json_array", "missing_body")
_CUSTOMER_MALFORMED_KINDS: Final = ("too_few_fields", "too_many_fields", "empty_customer_id")


@dataclass(frozen=True)
class CorpusSummary:
    """What :func:`generate_corpus` wrote, with exact counts to reconcile ingestion against.

    Attributes:
        files: URLs of the files written (or found already byte-identical), in write order.
        rows: Dataset name to the number of data lines/rows written, malformed ones included
            (the CSV header is not a row).
        malformed: Dataset name to how many of those rows are deliberately malformed.
        duplicates: Dataset name to how many exact copies of an earlier valid row were planted.
    """

    files: list[str]
    rows: dict[str, int]
    malformed: dict[str, int]
    duplicates: dict[str, int]


# --- value pools -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pools:
    """Faker output generated once per seed, then combined with a cheap ``Random``."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    email_domains: tuple[str, ...]
    cards: tuple[str, ...]
    ssns: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    zips: tuple[str, ...]
    ibans: tuple[str, ...]
    ips: tuple[str, ...]
    urls: tuple[str, ...]
    companies: tuple[str, ...]


def _pool(factory: Callable[[], Any], size: int = _POOL_SIZE) -> tuple[str, ...]:
    return tuple(str(factory()) for _ in range(size))


def _build_pools(seed: int) -> _Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    ibans: list[str] = []
    for offset, locale in enumerate(_IBAN_LOCALES, start=1):
        local = Faker(locale)
        local.seed_instance(seed + offset)
        ibans.extend(_pool(local.iban, 40))
    free = sorted(set(_pool(fake.free_email_domain, 50)))
    corporate = _pool(fake.domain_name, 30)
    return _Pools(
        first_names=_pool(fake.first_name),
        last_names=_pool(fake.last_name),
        email_domains=tuple(free) * 3 + corporate,  # free mail dominates, as in real tickets
        cards=_pool(fake.credit_card_number, 2 * _POOL_SIZE),
        ssns=_pool(fake.ssn),
        streets=_pool(fake.street_address),
        cities=_pool(fake.city, 200),
        states=_pool(fake.state_abbr, 100),
        zips=_pool(fake.zipcode),
        ibans=tuple(ibans),
        ips=_pool(fake.ipv4_public, 250) + _pool(fake.ipv6, 50),
        urls=_pool(fake.url, 200),
        companies=_pool(fake.company, 200),
    )


# --- value rendering -------------------------------------------------------------------------

_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


class _Faces:
    """Renders pooled values in the varied surface forms people actually type."""

    def __init__(self, rng: Random, pools: _Pools) -> None:
        self.rng = rng
        self.pools = pools

    def name(self) -> tuple[str, str]:
        return self.rng.choice(self.pools.first_names), self.rng.choice(self.pools.last_names)

    def email(self, first: str, last: str) -> str:
        f, la = _ascii_slug(first), _ascii_slug(last)
        local = self.rng.choice(
            (f"{f}.{la}", f"{f[:1]}{la}", f"{f}{la}", f"{f}_{la}", f"{la}.{f}", f"{f}")
        )
        if self.rng.random() < 0.3:
            local += str(self.rng.randint(1, 99))
        return f"{local}@{self.rng.choice(self.pools.email_domains)}"

    def phone(self) -> str:
        area = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 8)}{self.rng.randint(0, 9)}"
        exchange = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}{self.rng.randint(0, 9)}"
        line = f"{self.rng.randint(0, 9999):04d}"
        return self.rng.choice(
            (
                f"({area}) {exchange}-{line}",
                f"{area}-{exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"+1 {area} {exchange} {line}",
                f"+1-{area}-{exchange}-{line}",
                f"1-{area}-{exchange}-{line}",
                f"{area}{exchange}{line}",
            )
        )

    def card(self, *, raw: bool = False) -> str:
        digits = self.rng.choice(self.pools.cards)
        if raw or self.rng.random() < 0.4:
            return digits
        sep = self.rng.choice((" ", "-"))
        if len(digits) == 15:  # American Express is printed 4-6-5
            return sep.join((digits[:4], digits[4:10], digits[10:]))
        return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))

    def ssn(self) -> str:
        ssn = self.rng.choice(self.pools.ssns)
        return ssn if self.rng.random() < 0.8 else ssn.replace("-", "")

    def address(self) -> str:
        street = self.rng.choice(self.pools.streets)
        city = self.rng.choice(self.pools.cities)
        state = self.rng.choice(self.pools.states)
        return f"{street}, {city}, {state} {self.rng.choice(self.pools.zips)}"

    def day(self, start: date, span_days: int) -> date:
        return start + timedelta(days=self.rng.randrange(span_days))

    def spoken_date(self) -> str:
        d = self.day(date(2022, 1, 1), 3 * 365)  # before any ticket (2025)
        return self.rng.choice(
            (
                f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
                f"{d.month:02d}/{d.day:02d}/{d.year}",
                d.isoformat(),
                f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}",
            )
        )


class _TicketValues(dict[str, str]):
    """Placeholder values for one ticket: the customer is fixed, other entities drawn on demand."""

    def __init__(self, faces: _Faces) -> None:
        first, last = faces.name()
        super().__init__(
            first=first, last=last, name=f"{first} {last}", email=faces.email(first, last)
        )
        self.faces = faces

    def __missing__(self, key: str) -> str:
        faces, pools, rng = self.faces, self.faces.pools, self.faces.rng
        makers: dict[str, Callable[[], str]] = {
            "phone": faces.phone,
            "card": faces.card,
            "last4": lambda: self["card"][-4:],
            "ssn": faces.ssn,
            "address": faces.address,
            "iban": lambda: rng.choice(pools.ibans),
            "ip": lambda: rng.choice(pools.ips),
            "url": lambda: rng.choice(pools.urls),
            "company": lambda: rng.choice(pools.companies),
            "date": faces.spoken_date,
            "email2": lambda: faces.email(self["first"], self["last"]),
            "agent": lambda: " ".join(faces.name()),
            "order": lambda: f"{rng.randint(100000, 999999)}",
            "amount": lambda: f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
        }
        value = makers[key]()
        self[key] = value
        return value


# --- text templates --------------------------------------------------------------------------

_PII_SENTENCES: Final[dict[str, tuple[str, ...]]] = {
    "card": (
        "I was charged twice on my card {card} for order {order}.",
        "Please update the card on file to {card}, expiring next year.",
        "My card number is {card} and it keeps getting declined.",
        "The refund of ${amount} should go back to card {card}, not the old one.",
        "Can you remove {card} from my account, it was stolen on {date}.",
    ),
    "email": (
        "You can reach me at {email} any time.",
        "Please send the invoice to {email} instead of my work address.",
        "I no longer have access to {email}, please change it.",
        "My login is {email} but the reset link never arrives.",
        "Reply to {email} or call {phone} if that is easier.",
    ),
    "name": (
        "Hi, this is {name} writing about my account.",
        "My name is {name} and I have been a customer since {date}.",
        "I spoke with {agent} yesterday but the issue is still open.",
        "Please add my husband {agent} as an authorized user.",
    ),
    "phone": (
        "Call me back on {phone} after 5pm.",
        "My phone number changed to {phone}.",
        "I tried calling from {phone} but got disconnected twice.",
    ),
    "ssn": (
        "For verification my SSN is {ssn}.",
        "Your form asked for my social security number, it is {ssn}.",
        "I typed {ssn} as my SSN but the page says it is invalid.",
    ),
    "address": (
        "Ship the replacement to {address}.",
        "I moved, my new address is {address}.",
        "The package went to {address} which is my old place.",
    ),
    "iban": (
        "Please wire the refund to IBAN {iban}.",
        "My bank account is {iban}, the transfer on {date} bounced.",
    ),
    "ip": (
        "I got a login alert from {ip} which was not me.",
        "Your system blocked my IP {ip} after three attempts.",
    ),
    "url": (
        "The checkout page at {url} shows an error.",
        "I followed the link {url} from your newsletter and it is broken.",
    ),
    "company": (
        "I am ordering on behalf of {company}, please put that on the invoice.",
        "Our account at {company} is managed by {agent}.",
    ),
    "date": (
        "This started on {date}.",
        "My subscription renewed on {date} even though I cancelled.",
    ),
}
_PII_KINDS: Final = tuple(_PII_SENTENCES)

_NEUTRAL_SENTENCES: Final = (
    "The app crashes every time I open the settings page.",
    "I would like to know when the new plan becomes available.",
    "Thanks for the quick help last time.",
    "The export button does nothing in my browser.",
    "Is there a discount for annual billing?",
    "The delivery was late and the box was damaged.",
    "I cannot find where to change my notification settings.",
    "Please close this ticket, the problem went away.",
    "The mobile app logs me out every few minutes.",
    "Your documentation does not explain how refunds work.",
    "Two items were missing from my last order.",
    "Could you explain the extra fee on my latest invoice?",
)

_SUBJECTS: Final = (
    "Refund request",
    "Cannot log in",
    "Billing question",
    "Order {order} not delivered",
    "Card ending {last4} declined",
    "Update account details for {name}",
    "Change of address",
    "Duplicate charge on order {order}",
    "App keeps crashing",
    "Cancel my subscription",
    "Suspicious login",
    "Question about my invoice",
)
_NEUTRAL_SUBJECTS: Final = tuple(s for s in _SUBJECTS if "{" not in s)

_NOTES: Final = (
    "Prefers contact at {phone}",
    "Old card {card} replaced after fraud report",
    "Spouse {agent} also authorized on the account",
    "Verified identity with SSN {ssn}",
    "Referred by {company}",
    "Secondary email {email2}",
    "Logged in from {ip}, flagged for review",
    "Refunds go to IBAN {iban}",
)
_NEUTRAL_NOTES: Final = (
    "VIP customer",
    'Said "call me after 5pm, not before"',
    "Prefers email, no phone calls",
    "Requested paper invoices",
    "Churn risk, offered 20% discount",
    "Disputed a charge in 2024; resolved",
)


# --- planning of malformed and duplicate rows --------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    malformed: dict[int, str]  # position -> kind of damage
    duplicates: dict[int, int]  # position -> earlier valid position it copies


def _plan(rng: Random, n: int, kinds: Sequence[str]) -> _Plan:
    """Fix where the damaged and duplicated rows go: about 0.5%, at least one of each kind."""
    n_bad = max(len(kinds), n // 200)
    # Copies and their originals both in the second half (the second day's file of tickets):
    # exact repeats are refused within a partition, and a day is the demo's partition.
    pairs = sorted(rng.sample(range((n + 1) // 2, n), 2 * _DUPLICATES))
    sources, dup_positions = pairs[:_DUPLICATES], pairs[_DUPLICATES:]
    bad_positions = rng.sample([i for i in range(n) if i not in pairs], n_bad)
    bad_kinds = [kinds[i % len(kinds)] for i in range(n_bad)]
    rng.shuffle(bad_kinds)
    return _Plan(
        malformed=dict(zip(sorted(bad_positions), bad_kinds, strict=True)),
        duplicates=dict(zip(sorted(dup_positions), sources, strict=True)),
    )


def _check_size(dataset: str, n: int) -> None:
    if n < MIN_ROWS:
        raise ConfigurationError(
            f"Synthetic dataset {dataset!r} needs at least {MIN_ROWS} rows to plant malformed and "
            f"duplicate rows, got {n}; ask for more rows."
        )


# --- datasets --------------------------------------------------------------------------------


def _ticket_body(faces: _Faces, values: _TicketValues, *, with_pii: bool) -> str:
    rng = faces.rng
    n_sentences = rng.randint(1, 6)
    if not with_pii:
        return " ".join(rng.sample(_NEUTRAL_SENTENCES, n_sentences))
    kinds = [k for k, p in (("card", 0.45), ("email", 0.55)) if rng.random() < p]
    if not kinds:
        kinds.append(rng.choice(_PII_KINDS))
    while len(kinds) < n_sentences:
        kinds.append(rng.choice((*_PII_KINDS, "neutral", "neutral")))
    kinds = kinds[:n_sentences]
    rng.shuffle(kinds)
    sentences = [
        rng.choice(_NEUTRAL_SENTENCES if kind == "neutral" else _PII_SENTENCES[kind])
        for kind in kinds
    ]
    return " ".join(s.format_map(values) for s in sentences)


def _ticket_lines(rng: Random, pools: _Pools, n: int) -> tuple[list[str], _Plan]:
    faces = _Faces(rng, pools)
    plan = _plan(rng, n, _TICKET_MALFORMED_KINDS)
    seconds = sorted(rng.randrange(365 * 86400) for _ in range(n))
    lines: list[str] = []
    for i in range(n):
        if i in plan.duplicates:
            lines.append(lines[plan.duplicates[i]])
            continue
        values = _TicketValues(faces)
        with_pii = rng.random() >= 0.1
        subject = rng.choice(_SUBJECTS if with_pii else _NEUTRAL_SUBJECTS)
        record: dict[str, Any] = {
            "ticket_id": f"TCK-{i + 1:06d}",
            "created_at": (_TICKET_EPOCH + timedelta(seconds=seconds[i])).isoformat(),
            "channel": rng.choices(("email", "chat", "phone"), weights=(5, 3, 2))[0],
            "subject": subject.format_map(values),
            "body": _ticket_body(faces, values, with_pii=with_pii),
            "priority": rng.choices((1, 2, 3, 4), weights=(1, 2, 4, 3))[0],
        }
        kind = plan.malformed.get(i)
        if kind == "json_array":
            line = json.dumps(list(record.values()), ensure_ascii=False)
        elif kind == "missing_body":
            del record["body"]
            line = json.dumps(record, ensure_ascii=False)
        else:
            line = json.dumps(record, ensure_ascii=False)
            if kind == "truncated_json":
                line = line[: rng.randint(10, len(line) // 2)]
        lines.append(line)
    return lines, plan


def _customer_rows(rng: Random, pools: _Pools, n: int) -> tuple[list[list[str]], _Plan]:
    faces = _Faces(rng, pools)
    plan = _plan(rng, n, _CUSTOMER_MALFORMED_KINDS)
    rows: list[list[str]] = []
    for i in range(n):
        if i in plan.duplicates:
            rows.append(rows[plan.duplicates[i]])
            continue
        values = _TicketValues(faces)
        roll = rng.random()
        if roll < 0.25:
            notes = ""
        elif roll < 0.6:
            notes = rng.choice(_NEUTRAL_NOTES)
        else:
            notes = rng.choice(_NOTES).format_map(values)
        row = [
            f"CUST-{i + 1:06d}",
            values["name"],
            values["email"],
            faces.phone(),
            rng.choice(pools.streets),
            rng.choice(pools.cities),
            rng.choice(pools.zips),
            faces.day(date(1940, 1, 1), 65 * 365).isoformat(),
            faces.card(raw=True),
            faces.day(date(2018, 1, 1), 7 * 365).isoformat(),
            notes,
        ]
        kind = plan.malformed.get(i)
        if kind == "too_few_fields":
            row = row[: rng.randint(3, len(row) - 2)]
        elif kind == "too_many_fields":
            row = [*row, *rng.sample(("legacy", "", "N/A", faces.phone()), rng.randint(1, 3))]
        elif kind == "empty_customer_id":
            row[0] = ""
        rows.append(row)
    return rows, plan


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _jsonl_bytes(lines: Sequence[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


# --- writing ---------------------------------------------------------------------------------


def _write_if_changed(fs: Any, path: str, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly these bytes; return whether written."""
    if fs.exists(path) and fs.size(path) == len(data) and fs.cat_file(path) == data:
        return False
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    fs.pipe_file(path, data)
    return True


def generate_corpus(
    dest_url: str,
    *,
    seed: int = 20261124,
    tickets: int = 3000,
    customers: int = 2500,
    storage_options: dict[str, Any] | None = None,
) -> CorpusSummary:
    """Write a deterministic synthetic landing corpus full of fake PII under ``dest_url``.

    Writes ``tickets/2026-11-30/tickets-0001.jsonl`` and ``tickets/2026-12-01/tickets-0002.jsonl``
    (the tickets split about half and half over the two :data:`TICKET_DAYS`) and
    ``customers/customers.csv``. About 0.5% of the rows of each dataset (at least one of each
    kind) are deliberately malformed: for tickets a truncated JSON object, a JSON array instead
    of an object and an object without ``body``; for customers a row with too few fields, one
    with too many and one with an empty ``customer_id``. Each dataset also
    gets two exact copies of earlier valid rows. The same seed gives byte-identical files, and
    a file that already holds those bytes is left untouched.

    Args:
        dest_url: Folder to write into: a local path or any fsspec URL (``file://``,
            ``memory://``, ``s3://``...).
        seed: Seed of every random choice; the current time is never used.
        tickets: Number of ticket lines, malformed and duplicate ones included.
        customers: Number of customer rows (header excluded), malformed and duplicate included.
        storage_options: Passed to fsspec to open the filesystem of ``dest_url``.

    Returns:
        The URLs written and, per dataset, the exact counts of rows, malformed rows and planted
        duplicates.

    Raises:
        ConfigurationError: If a dataset is asked for fewer than ``MIN_ROWS`` rows.
    """
    _check_size("tickets", tickets)
    _check_size("customers", customers)
    fs, root = fsspec.core.url_to_fs(dest_url, **fsspec_options(storage_options))
    pools = _build_pools(seed)
    # One stream per dataset, so resizing one dataset does not reshuffle the other.
    ticket_lines, ticket_plan = _ticket_lines(Random(f"{seed}:tickets"), pools, tickets)
    customer_rows, customer_plan = _customer_rows(Random(f"{seed}:customers"), pools, customers)

    split = (tickets + 1) // 2
    first_day, second_day = TICKET_DAYS
    outputs = {
        f"tickets/{first_day}/tickets-0001.jsonl": _jsonl_bytes(ticket_lines[:split]),
        f"tickets/{second_day}/tickets-0002.jsonl": _jsonl_bytes(ticket_lines[split:]),
        "customers/customers.csv": _csv_bytes(CUSTOMER_COLUMNS, customer_rows),
    }
    base = dest_url.rstrip("/")
    files: list[str] = []
    for relative, data in outputs.items():
        written = _write_if_changed(fs, posixpath.join(root.rstrip("/"), relative), data)
        logger.debug("%s %s (%d bytes)", "wrote" if written else "unchanged", relative, len(data))
        files.append(f"{base}/{relative}")
    return CorpusSummary(
        files=files,
        rows={"tickets": tickets, "customers": customers},
        malformed={
            "tickets": len(ticket_plan.malformed),
            "customers": len(customer_plan.malformed),
        },
        duplicates={
            "tickets": len(ticket_plan.duplicates),
            "customers": len(customer_plan.duplicates),
        },
    )
