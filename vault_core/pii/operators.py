"""Anonymization operators: what replaces a detected span, chosen by ``kind`` in a policy."""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii.generalize import Generalize, apply_generalize
from vault_core.pii.keys import CachedKeys, KeyResolver
from vault_core.pii.pseudonym import Pseudonym, apply_pseudonym
from vault_core.pii.surrogate import Surrogate, apply_surrogate
from vault_core.pii.token import Token, apply_token

_TEMPLATE_FIELDS = frozenset({"entity_type"})


class Redact(BaseModel):
    """Remove the span entirely (replace it with the empty string)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["redact"] = "redact"
    """Discriminator."""


class Mask(BaseModel):
    """Replace every character with ``masking_char``, keeping the last ``keep_last`` ones.

    The result has the same length as the value. A value not longer than ``keep_last`` is
    masked entirely, so a short value is never revealed whole.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["mask"] = "mask"
    """Discriminator."""
    masking_char: str = Field(default="*", min_length=1, max_length=1)
    """The single character written over the value."""
    keep_last: int = Field(default=0, ge=0)
    """How many trailing characters stay in clear (e.g. 4 for the end of a card number)."""


class ReplaceWithType(BaseModel):
    """Replace the span with a template naming its entity type, e.g. ``<EMAIL_ADDRESS>``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["replace"] = "replace"
    """Discriminator."""
    template: str = "<{entity_type}>"
    """``str.format`` template; ``{entity_type}`` is the only placeholder allowed."""

    @field_validator("template")
    @classmethod
    def _only_entity_type_placeholder(cls, template: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        except ValueError as exc:
            raise ValueError(f"template is not a valid format string: {exc}") from exc
        unknown = fields - _TEMPLATE_FIELDS
        if unknown:
            raise ValueError(
                f"template may only use {{entity_type}}, found {sorted(unknown)}; "
                "escape literal braces as {{ and }}"
            )
        return template


Operator = Annotated[
    Redact | Mask | ReplaceWithType | Token | Surrogate | Generalize | Pseudonym,
    Field(discriminator="kind"),
]
"""Any operator; pydantic picks the class from its ``kind``."""

OPERATOR_KINDS: tuple[str, ...] = (
    "redact",
    "mask",
    "replace",
    "token",
    "surrogate",
    "generalize",
    "pseudonym",
)
"""The ``kind`` of every operator, in a stable order."""

KEYED_KINDS: frozenset[str] = frozenset({"token", "surrogate", "pseudonym"})
"""Operators that need a key resolver when applied."""

REVERSIBLE_KINDS: frozenset[str] = frozenset({"pseudonym"})
"""Operators whose output gives the value back to whoever holds the key."""


def apply_operator(
    op: Operator, value: str, entity_type: str, *, keys: KeyResolver | None = None
) -> str:
    """Return what replaces ``value`` (a detected span of type ``entity_type``) under ``op``.

    Args:
        op: The operator.
        value: The detected span.
        entity_type: Its entity type.
        keys: Resolves key names for keyed operators (token, surrogate, pseudonym), e.g.
            ``vault.keyring.derive_subkey``; not needed by the others.

    Raises:
        MissingKeyError: If ``op`` is keyed and ``keys`` is ``None``.
    """
    if isinstance(op, Generalize):
        return apply_generalize(op, value, entity_type)
    if isinstance(op, Token | Surrogate | Pseudonym):
        resolver = keys if isinstance(keys, CachedKeys) else CachedKeys(keys)
        if isinstance(op, Token):
            return apply_token(op, value, entity_type, resolver)
        if isinstance(op, Surrogate):
            return apply_surrogate(op, value, entity_type, resolver)
        return apply_pseudonym(op, value, entity_type, resolver)
    if isinstance(op, Redact):
        return ""
    if isinstance(op, Mask):
        keep = op.keep_last if op.keep_last < len(value) else 0
        if keep == 0:
            return op.masking_char * len(value)
        return op.masking_char * (len(value) - keep) + value[-keep:]
    if isinstance(op, ReplaceWithType):
        return op.template.format(entity_type=entity_type)
    raise TypeError(f"unknown operator type {type(op).__name__}")
