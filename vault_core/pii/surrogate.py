"""Consistent surrogate: a realistic fake of the same shape, chosen by a keyed HMAC of the value.

The same value (and key) always gives the same fake, in any process (case and format variants
of a value count as the same value:
:func:`~vault_core.pii.canonical.canonical_value`): the only randomness is a
``random.Random`` seeded with the HMAC. A phone stays a phone, an email an email, a card a
Luhn-valid card of the same length and grouping, an IBAN a mod-97-valid IBAN, a person a name.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vault_core.pii import _surrogate_words as words
from vault_core.pii.canonical import canonical_value
from vault_core.pii.keys import KeyResolver, key_purpose
from vault_core.pii.normalize import normalize_text
from vault_core.pii.token import KEY_NAME_PATTERN, keyed_digest

_ATTEMPTS = 16
_ISO_DATE = re.compile(r"^(\d{4})([-/.])(\d{2})\2(\d{2})$")
_US_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_HEX = "0123456789abcdef"


class Surrogate(BaseModel):
    """Replace the span with a consistent, realistic fake value of the same kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["surrogate"] = "surrogate"
    """Discriminator."""
    key_name: str = Field(default="default", pattern=KEY_NAME_PATTERN)
    """Name of the key (resolved at apply time, never stored here); same name, same fakes."""


def _shape(value: str, rng: random.Random) -> str:
    """Same character classes in the same places: digits, lower and upper letters replaced."""
    out = []
    for char in value:
        if char.isdigit() and char.isascii():
            out.append(rng.choice(string.digits))
        elif char.isascii() and char.islower():
            out.append(rng.choice(string.ascii_lowercase))
        elif char.isascii() and char.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif char.isalpha():
            out.append(rng.choice(string.ascii_letters))
        else:
            out.append(char)
    return "".join(out)


def _luhn_check_digit(payload: str) -> str:
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def _card(value: str, rng: random.Random) -> str:
    positions = [i for i, char in enumerate(value) if char.isdigit()]
    if len(positions) < 2:
        return _shape(value, rng)
    digits = [value[positions[0]]] + [rng.choice(string.digits) for _ in positions[1:-1]]
    digits.append(_luhn_check_digit("".join(digits)))
    chars = list(value)
    for position, digit in zip(positions, digits, strict=True):
        chars[position] = digit
    return "".join(chars)


def _iban(value: str, rng: random.Random) -> str:
    compact = value.replace(" ", "").upper()
    if len(compact) < 5 or not compact[:2].isalpha():
        return _shape(value, rng)
    bban = _shape(compact[4:], rng)
    numeric = "".join(str(int(char, 36)) for char in bban + compact[:2] + "00")
    iban = f"{compact[:2]}{98 - int(numeric) % 97:02d}{bban}"
    if " " in value:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _phone(value: str, rng: random.Random) -> str:
    chars = list(_shape(value, rng))
    for index, char in enumerate(chars):
        if char.isdigit():
            chars[index] = rng.choice("23456789")  # a leading 0 or 1 is not a dialable number
            break
    return "".join(chars)


def _person(value: str, rng: random.Random) -> str:
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
    if len(value.split()) < 2:
        return first
    # The middle initial keeps surrogates apart from the names real people (and Faker) use.
    return f"{first} {rng.choice(string.ascii_uppercase)}. {last}"


def _email(value: str, rng: random.Random) -> str:
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
    domain = rng.choice(words.EMAIL_DOMAINS)
    return f"{first.lower()}.{last.lower()}{rng.randrange(10, 100)}@{domain}"


def _location(value: str, rng: random.Random) -> str:
    if value[:1].isdigit() or "\n" in value:
        first = value.split()[0]
        digits = len(first) if first.isdigit() else 3
        number = rng.randrange(1, 10 ** max(1, min(5, digits)))
        suffix = rng.choice(words.STREET_SUFFIXES)
        street = f"{number} {rng.choice(words.STREETS)} {suffix}"
        # An address over several lines (one span) keeps its shape: street, then town.
        return f"{street}\n{rng.choice(words.CITIES)}" if "\n" in value else street
    return rng.choice(words.CITIES)


def _ip(value: str, rng: random.Random) -> str:
    if ":" in value:
        return f"2001:db8::{rng.randrange(1, 0xFFFF):x}:{rng.randrange(1, 0xFFFF):x}"
    return f"{rng.choice(words.IPV4_NETWORKS)}.{rng.randrange(1, 255)}"


def _date(value: str, rng: random.Random) -> str:
    year, month, day = rng.randrange(1940, 2011), rng.randrange(1, 13), rng.randrange(1, 29)
    if match := _ISO_DATE.match(value):
        sep = match.group(2)
        return f"{year}{sep}{month:02d}{sep}{day:02d}"
    if match := _US_DATE.match(value):
        sep = match.group(2)
        return f"{month:02d}{sep}{day:02d}{sep}{year}"
    return _shape(value, rng)


def _age(value: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda _: str(rng.randrange(18, 90)), value, count=1)


def _mac(value: str, rng: random.Random) -> str:
    return "".join(rng.choice(_HEX) if char in string.hexdigits else char for char in value)


_GENERATORS: dict[str, Callable[[str, random.Random], str]] = {
    "PERSON": _person,
    "EMAIL_ADDRESS": _email,
    "PHONE_NUMBER": _phone,
    "CREDIT_CARD": _card,
    "IBAN_CODE": _iban,
    "LOCATION": _location,
    "IP_ADDRESS": _ip,
    "DATE_TIME": _date,
    "AGE": _age,
    "MAC_ADDRESS": _mac,
    "URL": lambda _, rng: f"https://{rng.choice(words.STREETS).lower()}.example.com/",
    "ORGANIZATION": lambda _, rng: (
        f"{rng.choice(words.ORG_WORDS)} {rng.choice(words.ORG_SUFFIXES)}"
    ),
    "NRP": lambda _, rng: rng.choice(words.NRP),
    "TITLE": lambda _, rng: rng.choice(words.TITLES),
}


def surrogate_for(key: bytes, entity_type: str, value: str) -> str:
    """The surrogate of ``value``; never ``value`` itself nor a text containing it.

    The fake is chosen by the value's canonical form
    (:func:`~vault_core.pii.canonical.canonical_value`) and shaped like the value as the
    detectors read it (no invisible characters, ASCII digits): ``Jane@X.com`` and
    ``jane@x.com`` get the same fake, ``4111-1111-1111-1111`` and ``4111 1111 1111 1111``
    the same digits, each with its own grouping.
    """
    generate = _GENERATORS.get(entity_type, _shape)
    canonical = canonical_value(entity_type, value)
    shape = normalize_text(value)[0]
    for attempt in range(_ATTEMPTS):
        seed = int.from_bytes(keyed_digest(key, entity_type, canonical, counter=attempt), "big")
        candidate = generate(shape, random.Random(seed))
        if not any(seen in candidate or candidate in seen for seen in (value, shape)):
            return candidate
    # Only values too short or too constrained to vary (e.g. "Dr.") end up here.
    return f"<{entity_type}>"


def apply_surrogate(op: Surrogate, value: str, entity_type: str, keys: KeyResolver) -> str:
    """Return the surrogate of ``value`` under the key ``op.key_name``."""
    return surrogate_for(keys(key_purpose("surrogate", op.key_name)), entity_type, value)
