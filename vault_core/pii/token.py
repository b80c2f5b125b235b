"""Keyed deterministic token: ``<EMAIL_ADDRESS_9f2c1a7e>`` from HMAC-SHA256 under a managed key.

The same value gets the same token in every run, process and dataset that uses the same key, so
tokenized columns still join; without the key a token cannot be brute-forced from a value list.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii.canonical import canonical_value
from vault_core.pii.keys import KeyResolver, key_purpose

KEY_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_TOKEN_FIELDS = frozenset({"entity_type", "digest"})


def encode_value(value: str) -> bytes:
    """UTF-8 bytes of ``value``; lone surrogates are kept (``surrogatepass``) rather than lost."""
    return value.encode("utf-8", "surrogatepass")


def keyed_digest(key: bytes, entity_type: str, value: str, *, counter: int = 0) -> bytes:
    """HMAC-SHA256 of (entity type, counter, value): the entity type separates the domains."""
    message = b"%s\0%d\0%s" % (entity_type.encode("ascii", "replace"), counter, encode_value(value))
    return hmac.new(key, message, hashlib.sha256).digest()


class Token(BaseModel):
    """Replace the span with a keyed token such as ``<EMAIL_ADDRESS_9f2c1a7e>``.

    8 hex characters (32 bits) keep texts readable; raise ``digest_chars`` when a column holds
    more than ~50,000 distinct values and tokens must not collide.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["token"] = "token"
    """Discriminator."""
    key_name: str = Field(default="default", pattern=KEY_NAME_PATTERN)
    """Name of the key (resolved at apply time, never stored here); same name, same tokens."""
    digest_chars: int = Field(default=8, ge=8, le=64)
    """How many hex characters of the HMAC to keep."""
    case_sensitive: bool = False
    """Values are keyed on their canonical form
    (:func:`~vault_core.pii.canonical.canonical_value`: ``(415) 555-0132`` = ``415.555.0132``);
    when false its letters are also case-folded (``Jane@X.com`` = ``jane@x.com``)."""
    template: str = "<{entity_type}_{digest}>"
    """``str.format`` template with ``{digest}`` (required) and ``{entity_type}``."""

    @field_validator("template")
    @classmethod
    def _template_has_digest(cls, template: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        except ValueError as exc:
            raise ValueError(f"template is not a valid format string: {exc}") from exc
        if fields - _TOKEN_FIELDS or "digest" not in fields:
            raise ValueError(
                "template must use {digest} and may use {entity_type}, nothing else; "
                "escape literal braces as {{ and }}"
            )
        return template


def apply_token(op: Token, value: str, entity_type: str, keys: KeyResolver) -> str:
    """Return the token of ``value`` under the key ``op.key_name``: case and format variants
    of one value (same canonical form) get the same token."""
    key = keys(key_purpose("token", op.key_name))
    normalized = canonical_value(entity_type, value, fold_case=not op.case_sensitive)
    digest = keyed_digest(key, entity_type, normalized).hex()[: op.digest_chars]
    return op.template.format(entity_type=entity_type, digest=digest)
