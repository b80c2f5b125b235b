"""Keys for keyed operators: a resolver from a purpose label to key bytes, passed at apply time.

Policies are shown in the Dagster UI, so they name a key (``key_name``), never hold one. The
caller resolves the name, e.g. with ``vault.keyring.derive_subkey``.
"""

from __future__ import annotations

from collections.abc import Callable

from vault_core.pii.exceptions import MissingKeyError, PolicyError

KeyResolver = Callable[[str], bytes]
"""``purpose -> key bytes`` (at least 32 bytes), stable for a vault, e.g. ``derive_subkey``."""

MIN_KEY_BYTES = 32


def key_purpose(kind: str, key_name: str) -> str:
    """The purpose label under which the key of a ``kind`` operator called ``key_name`` lives."""
    return f"vault/pii/{kind}/{key_name}/v1"


class CachedKeys:
    """Resolve each purpose once per apply: a keyring derivation per span would be wasteful."""

    def __init__(self, resolver: KeyResolver | None) -> None:
        self._resolver = resolver
        self._keys: dict[str, bytes] = {}

    def __call__(self, purpose: str) -> bytes:
        """Return the key for ``purpose``.

        Raises:
            MissingKeyError: If no resolver was given.
            PolicyError: If the resolver returns fewer than 32 bytes.
        """
        key = self._keys.get(purpose)
        if key is not None:
            return key
        if self._resolver is None:
            raise MissingKeyError(
                f"a keyed operator needs the key {purpose!r} but no key resolver was given; "
                "pass keys=vault.keyring.derive_subkey (or another KeyResolver) when applying "
                "the policy",
                purpose=purpose,
            )
        key = self._resolver(purpose)
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise PolicyError(
                f"the key resolver returned an unusable key for {purpose!r}; "
                f"keyed operators need at least {MIN_KEY_BYTES} random bytes"
            )
        self._keys[purpose] = key
        return key
