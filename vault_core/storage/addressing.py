"""Content addresses and where their files live under a store's root.

The address is ``b3k2:`` + keyed BLAKE3 of the plaintext with a key derived from the vault
secret *and the scope* (dataset): the same content put in two datasets gives two independent
objects, so shredding one dataset's key never breaks another's copy (GDPR erasure per dataset).
The address and the scope are also the associated data the header's key slot is bound to.

Layout under the root (see ``docs/format.md``)::

    objects/<hex[:2]>/<hex[2:4]>/<hex>   the sealed header: published write-once, it commits the
                                         object; rotation replaces it (small) atomically
    bodies/<salt[:2]>/<salt hex>         the segments, named by the header's random salt; written
                                         once before the header and never rewritten
    packs/<id>.pack, packs/<id>.idx      small objects put together by ``put_many``: one pack,
                                         committed by publishing its index (see ``_packs``)
"""

from __future__ import annotations

import hmac
import re

import blake3

from vault_core.crypto import KeyProvider
from vault_core.storage.exceptions import InvalidAddressError

__all__ = [
    "ADDRESS_KEY_PURPOSE",
    "ADDRESS_PREFIX",
    "AddressKeys",
    "Layout",
    "associated_data",
    "digest_hex",
]

ADDRESS_PREFIX = "b3k2:"
ADDRESS_KEY_PURPOSE = "vault/cas-address/v2/"
_AD_LABEL = b"vault/cas/v2\0"
HEX64 = re.compile(r"[0-9a-f]{64}")


def digest_hex(address: str) -> str:
    """The 64 hex digits of ``address``.

    Raises:
        InvalidAddressError: ``address`` is not ``b3k2:`` + 64 lower-case hex digits.
    """
    digest = address[len(ADDRESS_PREFIX) :]
    if not address.startswith(ADDRESS_PREFIX) or not HEX64.fullmatch(digest):
        raise InvalidAddressError(
            f"not a content address: {address[:80]!r} (expected {ADDRESS_PREFIX}<64 hex>)",
            address=address,
        )
    return digest


def associated_data(address: str | None, scope: str) -> bytes:
    """What an object's key slot is bound to: its address (unknown yet: empty) and scope."""
    return _AD_LABEL + (address or "").encode("ascii") + b"\0" + scope.encode("utf-8")


class AddressKeys:
    """The keyed-BLAKE3 key of each scope, derived from the provider once and cached."""

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider
        self._keys: dict[str, bytes] = {}

    def key(self, scope: str) -> bytes:
        """The address key of ``scope`` (a non-empty string without NUL)."""
        key = self._keys.get(scope)
        if key is None:
            if not scope or "\0" in scope:
                raise ValueError("a scope must be a non-empty string without NUL characters")
            key = self._provider.derive_subkey(ADDRESS_KEY_PURPOSE + scope)
            self._keys[scope] = key
        return key

    def address_of(self, data: bytes | bytearray, scope: str) -> str:
        """The address of ``data`` in ``scope``."""
        return ADDRESS_PREFIX + blake3.blake3(data, key=self.key(scope)).hexdigest()

    def hasher(self, scope: str) -> blake3.blake3:
        """An incremental keyed hasher of ``scope``: feed it, then :meth:`address_from`."""
        return blake3.blake3(key=self.key(scope))

    @staticmethod
    def address_from(hasher: blake3.blake3) -> str:
        """The address a hasher from :meth:`hasher` has computed."""
        return ADDRESS_PREFIX + hasher.hexdigest()

    @staticmethod
    def matches(computed: str, address: str) -> bool:
        """Whether ``computed`` equals ``address`` (compared in constant time)."""
        return hmac.compare_digest(computed, address)


class Layout:
    """Paths of headers, bodies and packs under a root (see the module docstring)."""

    def __init__(self, root: str) -> None:
        self.objects = f"{root}/objects"
        self.bodies = f"{root}/bodies"
        self.packs = f"{root}/packs"

    def object_path(self, address: str) -> str:
        """Where the loose header of ``address`` is. Raises InvalidAddressError."""
        digest = digest_hex(address)
        return f"{self.objects}/{digest[:2]}/{digest[2:4]}/{digest}"

    def body_path(self, salt: bytes) -> str:
        """Where the loose body sealed with ``salt`` is."""
        name = salt.hex()
        return f"{self.bodies}/{name[:2]}/{name}"

    def pack_path(self, pack_id: str, suffix: str) -> str:
        """Where pack ``pack_id``'s file with ``suffix`` (``.pack``/``.idx``) is."""
        return f"{self.packs}/{pack_id}{suffix}"

    @staticmethod
    def address_at(path: str) -> str | None:
        """The address whose loose header ``path`` is, None for any other file."""
        name = path.rsplit("/", 1)[-1]
        if HEX64.fullmatch(name) and path.endswith(f"/{name[:2]}/{name[2:4]}/{name}"):
            return ADDRESS_PREFIX + name
        return None

    @staticmethod
    def salt_at(path: str) -> str | None:
        """The salt (hex) of the body file at ``path``, None for any other file."""
        name = path.rsplit("/", 1)[-1]
        return name if HEX64.fullmatch(name) else None
