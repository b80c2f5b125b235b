"""Sealed object format: a payload encrypted under a fresh data key that a KeyProvider wraps.

Byte layout (integers big-endian; K = key id length, W = wrapped data key length)::

    offset    size   field
    0         4      magic b"VLT\\x01"
    4         1      format version (1)
    5         1      algorithm id (1 = AES-256-GCM)
    6         2      K
    8         K      key id, UTF-8
    8+K       2      W
    10+K      W      wrapped data key, as returned by ``provider.wrap``
    10+K+W    12     nonce
    22+K+W    32     key commitment: HMAC-SHA256(data_key, b"vault-commit" + bytes[0 : 22+K+W])
    54+K+W    n+16   AES-256-GCM ciphertext of the n-byte plaintext, then its 16-byte tag

The header is bytes ``[0, 54+K+W)``. The data key is wrapped with ``context=associated_data`` and
the GCM associated data is ``header + associated_data``, so flipping any header bit, moving the
object to another context or swapping the wrapped key makes opening fail. The commitment stops a
ciphertext from opening under two different keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault_core.crypto.exceptions import MalformedObjectError, WrongKeyError
from vault_core.crypto.keyring import KeyProvider
from vault_core.crypto.keys import KEY_LENGTH

__all__ = [
    "ALGORITHM_AES_256_GCM",
    "FORMAT_VERSION",
    "MAX_HEADER_LEN",
    "SEALED_MAGIC",
    "SealedHeader",
    "open_sealed",
    "read_header",
    "seal",
]

SEALED_MAGIC = b"VLT\x01"
FORMAT_VERSION = 1
ALGORITHM_AES_256_GCM = 1
NONCE_LEN = 12
COMMITMENT_LEN = 32
TAG_LEN = 16
MAX_HEADER_LEN = 8 + 0xFFFF + 2 + 0xFFFF + NONCE_LEN + COMMITMENT_LEN
"""Upper bound of a header's size, for readers that fetch only the start of an object."""

_COMMIT_LABEL = b"vault-commit"
_OPEN_FAILED = "cannot open sealed object: wrong key or tampered data"


@dataclass(frozen=True)
class SealedHeader:
    """Parsed header of a sealed object (no secret in it: the data key is wrapped)."""

    format_version: int
    algorithm: int
    key_id: str
    nonce: bytes
    wrapped_key_len: int
    header_len: int
    wrapped_key: bytes
    commitment: bytes


def seal(plaintext: bytes, *, provider: KeyProvider, scope: str, associated_data: bytes) -> bytes:
    """Encrypt ``plaintext`` under a fresh random data key wrapped by ``provider``.

    Args:
        plaintext: The bytes to protect.
        provider: Wraps the data key under the current wrapping key of ``scope``.
        scope: Key scope (usually the dataset or tenant), chooses the wrapping key.
        associated_data: Context the object is bound to; the same bytes are needed to open it.

    Returns:
        The sealed object (see the module docstring for its layout).
    """
    data_key = secrets.token_bytes(KEY_LENGTH)
    key_id, wrapped = provider.wrap(scope, data_key, associated_data)
    key_id_bytes = key_id.encode("utf-8")
    if len(key_id_bytes) > 0xFFFF or len(wrapped) > 0xFFFF:
        raise ValueError("key id or wrapped data key longer than 65535 bytes")
    nonce = secrets.token_bytes(NONCE_LEN)
    prefix = b"".join(
        (
            SEALED_MAGIC,
            bytes((FORMAT_VERSION, ALGORITHM_AES_256_GCM)),
            struct.pack(">H", len(key_id_bytes)),
            key_id_bytes,
            struct.pack(">H", len(wrapped)),
            wrapped,
            nonce,
        )
    )
    header = prefix + _commitment(data_key, prefix)
    return header + AESGCM(data_key).encrypt(nonce, plaintext, header + associated_data)


def open_sealed(blob: bytes, *, provider: KeyProvider, associated_data: bytes) -> bytes:
    """Authenticate and decrypt a sealed object.

    Args:
        blob: A sealed object made by :func:`seal`.
        provider: Unwraps the data key.
        associated_data: The bytes given to :func:`seal`.

    Returns:
        The plaintext.

    Raises:
        MalformedObjectError: Bad magic, unsupported version or algorithm, or truncated.
        WrongKeyError: The key, the associated data or any byte of the object is wrong.
        KeyNotFoundError: The wrapping key is unknown or was destroyed.
    """
    header = read_header(blob)
    if len(blob) - header.header_len < TAG_LEN:
        raise MalformedObjectError("sealed object is truncated: ciphertext tag missing")
    try:
        data_key = provider.unwrap(header.key_id, header.wrapped_key, associated_data)
    except WrongKeyError as exc:
        raise WrongKeyError(_OPEN_FAILED, key_id=header.key_id) from exc
    raw_header = blob[: header.header_len]
    expected = _commitment(data_key, raw_header[:-COMMITMENT_LEN])
    if len(data_key) != KEY_LENGTH or not hmac.compare_digest(expected, header.commitment):
        raise WrongKeyError(_OPEN_FAILED, key_id=header.key_id)
    try:
        return AESGCM(data_key).decrypt(
            header.nonce, blob[header.header_len :], raw_header + associated_data
        )
    except InvalidTag as exc:
        raise WrongKeyError(_OPEN_FAILED, key_id=header.key_id) from exc


def read_header(blob: bytes) -> SealedHeader:
    """Parse the header of a sealed object; ``blob`` may be just a prefix holding the header.

    Raises:
        MalformedObjectError: Bad magic, unsupported version or algorithm, or truncated header.
    """
    if len(blob) < 8 or blob[:4] != SEALED_MAGIC:
        raise MalformedObjectError("not a vault sealed object: bad magic or too short")
    version, algorithm = blob[4], blob[5]
    if version != FORMAT_VERSION:
        raise MalformedObjectError(f"unsupported sealed object format version {version}")
    if algorithm != ALGORITHM_AES_256_GCM:
        raise MalformedObjectError(f"unsupported sealed object algorithm id {algorithm}")
    (key_id_len,) = struct.unpack_from(">H", blob, 6)
    offset = 8 + key_id_len
    if len(blob) < offset + 2:
        raise MalformedObjectError("sealed object header is truncated")
    try:
        key_id = blob[8:offset].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedObjectError("sealed object key id is not valid UTF-8") from exc
    (wrapped_len,) = struct.unpack_from(">H", blob, offset)
    wrapped_start = offset + 2
    nonce_start = wrapped_start + wrapped_len
    header_len = nonce_start + NONCE_LEN + COMMITMENT_LEN
    if len(blob) < header_len:
        raise MalformedObjectError("sealed object header is truncated")
    return SealedHeader(
        format_version=version,
        algorithm=algorithm,
        key_id=key_id,
        nonce=bytes(blob[nonce_start : nonce_start + NONCE_LEN]),
        wrapped_key_len=wrapped_len,
        header_len=header_len,
        wrapped_key=bytes(blob[wrapped_start:nonce_start]),
        commitment=bytes(blob[header_len - COMMITMENT_LEN : header_len]),
    )


def _commitment(data_key: bytes, header_without_tag: bytes) -> bytes:
    return hmac.new(data_key, _COMMIT_LABEL + header_without_tag, hashlib.sha256).digest()
