"""Key derivation helpers: scrypt from a master secret, HKDF-SHA256 for purpose-bound subkeys."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vault_core.crypto.exceptions import MasterSecretMissingError

__all__ = ["DEFAULT_SCRYPT_N", "KEY_LENGTH", "derive_key", "master_key_from_secret"]

KEY_LENGTH = 32
"""Length in bytes of every symmetric key vault uses (AES-256, keyed BLAKE3, HMAC-SHA256)."""

DEFAULT_SCRYPT_N = 2**15
"""scrypt CPU/memory cost used for master secrets (with r=8, p=1: about 32 MiB, ~0.1 s)."""


def derive_key(master: bytes, purpose: str, length: int = KEY_LENGTH) -> bytes:
    """Derive a key bound to ``purpose`` from a high-entropy master key with HKDF-SHA256.

    Args:
        master: Input key material; must already be uniformly random (not a password).
        purpose: Domain-separation label used as the HKDF ``info``, e.g. ``"vault/cas-address/v1"``.
        length: Number of bytes to derive.

    Returns:
        ``length`` pseudo-random bytes, the same for the same ``master`` and ``purpose``.

    Raises:
        ValueError: If ``master`` or ``purpose`` is empty or ``length`` is out of range.
    """
    if not master:
        raise ValueError("derive_key needs non-empty master key material")
    if not purpose:
        raise ValueError("derive_key needs a non-empty purpose label")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode("utf-8"))
    return hkdf.derive(master)


def master_key_from_secret(secret: str | bytes, salt: bytes, *, n: int = DEFAULT_SCRYPT_N) -> bytes:
    """Stretch a human-chosen master secret into a 32-byte master key with scrypt.

    Args:
        secret: The master secret (a passphrase or random string); str is UTF-8 encoded.
        salt: A random salt, stored next to whatever the key protects.
        n: scrypt cost parameter (power of two). Lower it only in tests.

    Returns:
        32 bytes derived with scrypt(n, r=8, p=1).

    Raises:
        MasterSecretMissingError: If ``secret`` is empty.
        ValueError: If ``salt`` is empty or ``n`` is not a power of two greater than 1.
    """
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not raw:
        raise MasterSecretMissingError("the master secret is empty: provide a non-empty secret")
    if not salt:
        raise ValueError("master_key_from_secret needs a non-empty salt")
    if n < 2 or n & (n - 1):
        raise ValueError(f"scrypt cost n must be a power of two greater than 1, got {n}")
    return Scrypt(salt=salt, length=KEY_LENGTH, n=n, r=8, p=1).derive(raw)
