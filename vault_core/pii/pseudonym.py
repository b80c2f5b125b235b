"""Reversible pseudonym: deterministic AES-SIV of the value, decryptable only with the key.

The pseudonym ``<EMAIL_ADDRESS:mfrgg...>`` is the token vault: the same value always gives the
same pseudonym (joins work), and :func:`reveal` turns pseudonyms back into values with the key.
What is encrypted is the value's canonical form
(:func:`~vault_core.pii.canonical.canonical_value`), so case and format variants share one
pseudonym, and revealing gives that form back: ``Jane@X.com`` reveals as ``jane@x.com``,
``(415) 555-0132`` as ``4155550132``, ``Jane  Doe`` as ``jane doe``.
"""

from __future__ import annotations

import base64
import re
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import BaseModel, ConfigDict, Field

from vault_core.pii.canonical import canonical_value
from vault_core.pii.exceptions import PseudonymError
from vault_core.pii.keys import CachedKeys, KeyResolver, key_purpose
from vault_core.pii.token import KEY_NAME_PATTERN, encode_value

_AAD_LABEL = b"vault/pii/pseudonym/v1"
_SIV_KEY_BYTES = 32
# Base32 letters and digits are all word characters: no detector's \b fires inside a pseudonym.
PSEUDONYM_PATTERN = re.compile(r"<([A-Z][A-Z0-9_]*):([a-z2-7]{26,})>")


class Pseudonym(BaseModel):
    """Replace the span with its deterministic AES-SIV encryption, e.g. ``<PERSON:k5zq...>``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pseudonym"] = "pseudonym"
    """Discriminator."""
    key_name: str = Field(default="default", pattern=KEY_NAME_PATTERN)
    """Name of the key (resolved at apply time, never stored here); needed again to reveal."""


def _cipher(keys: KeyResolver, key_name: str) -> AESSIV:
    return AESSIV(keys(key_purpose("pseudonym", key_name))[:_SIV_KEY_BYTES])


def _aad(entity_type: str) -> list[bytes]:
    return [_AAD_LABEL, entity_type.encode("ascii", "replace")]


def apply_pseudonym(op: Pseudonym, value: str, entity_type: str, keys: KeyResolver) -> str:
    """Return the pseudonym of ``value`` under the key ``op.key_name``.

    The value's canonical form is encrypted (case and format variants share a pseudonym);
    :func:`reveal` gives back that form, not the exact spelling."""
    canonical = canonical_value(entity_type, value)
    sealed = _cipher(keys, op.key_name).encrypt(encode_value(canonical), _aad(entity_type))
    encoded = base64.b32encode(sealed).decode("ascii").rstrip("=").lower()
    return f"<{entity_type}:{encoded}>"


def decrypt_pseudonym(
    pseudonym: str, keys: KeyResolver, *, key_name: str = "default"
) -> tuple[str, str]:
    """Return ``(entity_type, value)`` of one pseudonym made with the key ``key_name``.

    ``value`` is the canonical form that was encrypted
    (:func:`~vault_core.pii.canonical.canonical_value`: e-mails lower-case, phones as digits
    with a leading ``+`` kept, cards and other identifiers as upper-case letters and digits,
    names case-folded with single spaces), not necessarily the spelling in the source text.

    Raises:
        PseudonymError: If ``pseudonym`` is malformed or was not made with this key.
        MissingKeyError: If ``keys`` cannot resolve the key.
    """
    match = PSEUDONYM_PATTERN.fullmatch(pseudonym)
    if match is None:
        raise PseudonymError("not a pseudonym: expected <ENTITY_TYPE:base32>")
    entity_type, encoded = match.groups()
    try:
        sealed = base64.b32decode(encoded.upper() + "=" * (-len(encoded) % 8))
    except ValueError as exc:
        raise PseudonymError("pseudonym body is not base32") from exc
    try:
        plain = _cipher(keys, key_name).decrypt(sealed, _aad(entity_type))
    except (InvalidTag, ValueError) as exc:
        raise PseudonymError(
            f"a {entity_type} pseudonym does not decrypt with the key {key_name!r}: wrong key, "
            "or the pseudonym was altered"
        ) from exc
    return entity_type, plain.decode("utf-8", "surrogatepass")


def reveal(text: str, keys: KeyResolver, *, key_name: str = "default") -> str:
    """Replace every pseudonym in ``text`` with the value it encrypts, in its canonical form
    (see :func:`decrypt_pseudonym`).

    Raises:
        PseudonymError: If a pseudonym in ``text`` was not made with this key.
        MissingKeyError: If ``keys`` cannot resolve the key.
    """
    cached = keys if isinstance(keys, CachedKeys) else CachedKeys(keys)
    return PSEUDONYM_PATTERN.sub(
        lambda match: decrypt_pseudonym(match.group(0), cached, key_name=key_name)[1], text
    )
