"""Event ids: sortable like a ULID, yet derived from the source fact, never random.

``evt_`` + 26 Crockford base32 characters: 48 bits of the fact's time in milliseconds, then 80
bits of a SHA-256 of the fact's identity. Ids sort by time, and the same fact always gets the
same id, so an outbox rebuilt from the same facts holds the same ids (and a receiver that already
saw one can drop a repeat).
"""

from __future__ import annotations

import hashlib

PREFIX = "evt_"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_TIME_BITS = 48
_HASH_BITS = 80


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def event_id(fact: str, time_ms: int) -> str:
    """The id of the event recording ``fact`` (a stable identity string) at ``time_ms``."""
    if not 0 <= time_ms < 1 << _TIME_BITS:
        raise ValueError(f"event time out of range: {time_ms} ms")
    digest = int.from_bytes(hashlib.sha256(fact.encode("utf-8")).digest()[:10], "big")
    return PREFIX + _base32((time_ms << _HASH_BITS) | digest, 26)


def id_time_ms(identifier: str) -> int:
    """The millisecond time encoded in an event id."""
    value = 0
    for char in identifier.removeprefix(PREFIX):
        value = value * 32 + _ALPHABET.index(char)
    return value >> _HASH_BITS
