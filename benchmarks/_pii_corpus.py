"""A labeled PII corpus generated from Faker values and vault's own templates.

Three kinds of texts: short messages (tickets, chats), long documents (letters and case notes of
many paragraphs with PII-free filler between them) and the cells of structured columns. Every
planted value is recorded as a gold span ``(start, end, entity_type)``. The templates were written
for vault; none come from presidio-research or presidio-evaluator.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from faker import Faker

Span = tuple[int, int, str]


@dataclass
class Sample:
    """One text and its gold spans."""

    text: str
    kind: str
    spans: list[Span] = field(default_factory=list)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("37", 15), ("6011", 16), ("2221", 16)])
    digits = _luhn_complete(prefix, length, rng)
    style = rng.random()
    if length == 16 and style < 0.5:
        sep = rng.choice([" ", "-"])
        return sep.join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def _ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(["-", "-", "-", " "])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def _iban(fake: Faker, rng: random.Random) -> str:
    value: str = fake.iban()
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def _phone(rng: random.Random) -> str:
    area = rng.randint(201, 989)
    exchange = rng.randint(200, 999)
    line = rng.randint(0, 9999)
    style = rng.randrange(5)
    if style == 0:
        return f"({area}) {exchange}-{line:04d}"
    if style == 1:
        return f"{area}-{exchange}-{line:04d}"
    if style == 2:
        return f"+1 {area} {exchange} {line:04d}"
    if style == 3:
        return f"{area}.{exchange}.{line:04d}"
    return f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}"


def _date(fake: Faker, rng: random.Random) -> str:
    day = fake.date_between(start_date="-60y", end_date="+1y")
    fmt = rng.choice(["%B %d, %Y", "%d %B %Y", "%m/%d/%Y", "%Y-%m-%d", "%b %d, %Y"])
    return day.strftime(fmt)


_NRP = ["French", "German", "Brazilian", "Japanese", "Nigerian", "Catholic", "Muslim", "Jewish",
        "Mexican", "Italian", "Korean", "Hindu", "Buddhist", "Canadian", "Irish"]  # fmt: skip
_TITLES = ["Dr.", "Mr.", "Mrs.", "Ms.", "Prof."]


def _generators(fake: Faker, rng: random.Random) -> dict[str, Callable[[], str]]:
    return {
        "PERSON": fake.name,
        "FIRST": fake.first_name,
        "ORGANIZATION": fake.company,
        "CITY": fake.city,
        "STATE": fake.state,
        "COUNTRY": lambda: rng.choice(["France", "Germany", "Canada", "Japan", "Brazil", "Spain"]),
        "STREET": fake.street_address,
        "ZIP_CODE": fake.zipcode,
        "EMAIL_ADDRESS": fake.email,
        "PHONE_NUMBER": lambda: _phone(rng),
        "CREDIT_CARD": lambda: _card(rng),
        "US_SSN": lambda: _ssn(rng),
        "IBAN_CODE": lambda: _iban(fake, rng),
        "IP_ADDRESS": lambda: fake.ipv4() if rng.random() < 0.8 else fake.ipv6(),
        "URL": lambda: (
            rng.choice(["https://", "http://", "www.", "https://www."])
            + fake.domain_name()
            + rng.choice(["", "/account", "/u/" + fake.user_name(), "/login?next=home"])
        ),
        "DATE_TIME": lambda: _date(fake, rng),
        "AGE": lambda: str(rng.randint(18, 97)),
        "NRP": lambda: rng.choice(_NRP),
        "TITLE": lambda: rng.choice(_TITLES),
        "US_BANK_NUMBER": lambda: "".join(rng.choice(string.digits) for _ in range(10)),
        "US_PASSPORT": lambda: (
            rng.choice(string.ascii_uppercase)
            + "".join(rng.choice(string.digits) for _ in range(8))
        ),
        "MAC_ADDRESS": fake.mac_address,
    }


# Placeholders are {TYPE}; FIRST, CITY, STATE, COUNTRY and STREET are labelled PERSON or LOCATION.
_LABEL = {"FIRST": "PERSON", "CITY": "LOCATION", "STATE": "LOCATION", "COUNTRY": "LOCATION",
          "STREET": "LOCATION"}  # fmt: skip

SHORT_TEMPLATES = [
    "Hi, this is {PERSON}. Please call me back at {PHONE_NUMBER} about my order.",
    "Customer {PERSON} ({EMAIL_ADDRESS}) asked to close the account.",
    "Refund the charge on card {CREDIT_CARD}, the customer says it was not theirs.",
    "My SSN is {US_SSN} and my date of birth is {DATE_TIME}.",
    "Wire the deposit to IBAN {IBAN_CODE} before {DATE_TIME}.",
    "Login from {IP_ADDRESS} flagged as suspicious, user notified by email at {EMAIL_ADDRESS}.",
    "Ship it to {STREET}, {CITY}, {STATE} {ZIP_CODE}.",
    "{PERSON} works at {ORGANIZATION} in {CITY}.",
    "The patient, a {AGE} year old {NRP} woman, was seen on {DATE_TIME}.",
    "Please reset the password for {EMAIL_ADDRESS}; the reset page is {URL}.",
    "{TITLE} {PERSON} signed the contract with {ORGANIZATION} on {DATE_TIME}.",
    "Contact {FIRST} on {PHONE_NUMBER} or at {EMAIL_ADDRESS}.",
    "Account number {US_BANK_NUMBER} was debited twice.",
    "Passport {US_PASSPORT} expires soon, reminded {PERSON} by phone.",
    "Device {MAC_ADDRESS} connected from {IP_ADDRESS}.",
    "We moved from {CITY} to {COUNTRY} last year.",
    "Order 4471 for 3 items, total 129.99, delivered to locker 12.",
    "Thanks for the quick help, everything works now!",
    "The meeting with {ORGANIZATION} is moved to {DATE_TIME}.",
    "Invoice sent to {PERSON}, {STREET}, {CITY}.",
    "Ticket 88213: user cannot upload files larger than 20 MB.",
    "{PERSON} from {ORGANIZATION} wrote: see {URL} for the draft.",
    "Card ending in 4421 was declined at 10:32 for amount 45.00.",
    "Please update my phone to {PHONE_NUMBER}. Regards, {PERSON}",
]

LONG_PARAGRAPHS = [
    "Dear {TITLE} {PERSON},\n\nThank you for your letter of {DATE_TIME}. We have reviewed the "
    "claim you filed with {ORGANIZATION} and need a few more details before we can proceed.",
    "Our records show that you live at {STREET}, {CITY}, {STATE} {ZIP_CODE}. If this is no "
    "longer correct, please write to us or call {PHONE_NUMBER}.",
    "The payment of the premium was taken from card {CREDIT_CARD}. A second payment was "
    "attempted from the account {IBAN_CODE} and returned by the bank.",
    "For identity verification we used the social security number {US_SSN} you provided. "
    "You can also reach our team by email at {EMAIL_ADDRESS}.",
    "Case notes: {PERSON}, {AGE}, was referred by {TITLE} {PERSON} of {ORGANIZATION}. "
    "The next appointment is on {DATE_TIME} at the clinic in {CITY}.",
    "The portal at {URL} recorded a sign-in from {IP_ADDRESS} on {DATE_TIME}, which our "
    "security team has investigated.",
    "{FIRST} mentioned that the family is {NRP} and moved here from {COUNTRY}.",
    "Yours sincerely,\n{PERSON}\nClaims Department, {ORGANIZATION}",
]

FILLER = [
    "The review takes up to ten working days.",
    "We apologise for the delay and appreciate your patience while the file is processed.",
    "All documents must be signed and returned in the envelope provided.",
    "Please keep this letter for your records.",
    "Our offices are closed on public holidays.",
    "The committee meets every second week and decides on pending requests in order.",
    "If the information above is complete, no further action is required on your part.",
    "Section 4 of the policy explains which costs are covered and which are excluded.",
    "A copy of this notice has been placed in the shared folder.",
    "The amount due is shown in the table at the end of this letter.",
    "Late submissions are handled in the following cycle.",
    "This message was generated automatically; replies are read by the support team.",
]

STRUCTURED_COLUMNS = {
    "name": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "street": "STREET",
    "city": "CITY",
    "zip": "ZIP_CODE",
    "birth_date": "DATE_TIME",
    "ssn": "US_SSN",
    "card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ip": "IP_ADDRESS",
    "employer": "ORGANIZATION",
}
"""Column name -> placeholder of the structured table (each cell holds one value)."""


class CorpusBuilder:
    """Fills templates with Faker values, recording the gold span of each."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.gen = _generators(self.fake, self.rng)

    def fill(self, template: str, pieces: list[str], spans: list[Span], offset: int) -> int:
        """Append ``template`` filled to ``pieces``; return the new offset."""
        for literal, name, _, _ in string.Formatter().parse(template):
            pieces.append(literal)
            offset += len(literal)
            if name:
                value = self.gen[name]()
                spans.append((offset, offset + len(value), _LABEL.get(name, name)))
                pieces.append(value)
                offset += len(value)
        return offset

    def short(self) -> Sample:
        pieces: list[str] = []
        spans: list[Span] = []
        self.fill(self.rng.choice(SHORT_TEMPLATES), pieces, spans, 0)
        return Sample("".join(pieces), "short", spans)

    def long(self, target_chars: int) -> Sample:
        pieces: list[str] = []
        spans: list[Span] = []
        offset = 0
        while offset < target_chars:
            offset = self.fill(self.rng.choice(LONG_PARAGRAPHS), pieces, spans, offset)
            filler = " " + " ".join(self.rng.sample(FILLER, self.rng.randint(2, 6))) + "\n\n"
            pieces.append(filler)
            offset += len(filler)
        return Sample("".join(pieces), "long", spans)

    def structured(self, rows: int) -> dict[str, list[Sample]]:
        columns: dict[str, list[Sample]] = {}
        for column, placeholder in STRUCTURED_COLUMNS.items():
            cells = []
            for _ in range(rows):
                value = self.gen[placeholder]()
                cells.append(
                    Sample(
                        value, "structured", [(0, len(value), _LABEL.get(placeholder, placeholder))]
                    )
                )
            columns[column] = cells
        return columns


@dataclass
class Corpus:
    """Short texts, long documents and structured columns, with gold spans."""

    short: list[Sample]
    long: list[Sample]
    columns: dict[str, list[Sample]]

    def samples(self) -> list[Sample]:
        """Every text of the corpus: short, long, then the structured cells column by column."""
        cells = [cell for column in self.columns.values() for cell in column]
        return [*self.short, *self.long, *cells]


def build_corpus(
    *, seed: int = 7, short: int = 4000, long: int = 12, long_chars: int = 30_000, rows: int = 1500
) -> Corpus:
    """Generate a corpus; the same arguments always give the same corpus."""
    builder = CorpusBuilder(seed)
    return Corpus(
        short=[builder.short() for _ in range(short)],
        long=[builder.long(long_chars) for _ in range(long)],
        columns=builder.structured(rows),
    )
