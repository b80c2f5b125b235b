"""``AwsKmsProvider``: wrapping keys are AWS KMS keys, one per dataset version, via boto3."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

from vault_core.crypto.cache import KeyCache
from vault_core.crypto.exceptions import CryptoError, KeyNotFoundError, WrongKeyError
from vault_core.crypto.keyring import KeyVersion

__all__ = ["AwsKmsProvider"]

logger = logging.getLogger(__name__)

_KEY_ID_RE = re.compile(r"aws-kms:(?P<scope>[A-Za-z0-9_-]+):v(?P<version>[1-9][0-9]*):(?P<kms>\S+)")
_SCOPE_RE = re.compile(r"[A-Za-z0-9_-]{1,200}")
_CONTEXT_FIELD = "vault-context"
_GONE = {"NotFoundException", "KMSInvalidStateException", "DisabledException"}
_WRONG = {"InvalidCiphertextException", "IncorrectKeyException"}


class AwsKmsProvider:
    """Key provider over AWS KMS: GenerateDataKey / Decrypt / ReEncrypt with encryption context.

    Each version of a scope is its own symmetric KMS key named by the alias
    ``<alias_prefix>/<scope>/v<N>``; key ids look like ``aws-kms:<scope>:v<N>:<kms key id>``.
    Destroying a version disables its KMS key and schedules its deletion. Unwrapped data keys are
    kept in a bounded, expiring :class:`KeyCache`. Subkeys (content addresses) come from an HMAC
    KMS key via GenerateMac, so they never exist outside KMS at rest.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        alias_prefix: str = "alias/vault",
        cache: KeyCache | None = None,
        deletion_window_days: int = 7,
        initial_key: Callable[[str], str | None] | None = None,
        **client_kwargs: Any,
    ) -> None:
        """Use ``client`` (a boto3 KMS client) or build one from ``client_kwargs``.

        Args:
            client: A boto3 KMS client; made with ``boto3.client("kms", **client_kwargs)`` if None.
            alias_prefix: Prefix of the aliases naming the key versions.
            cache: Cache of unwrapped data keys (default: 1024 keys for 5 minutes).
            deletion_window_days: Waiting period KMS applies before deleting a destroyed key.
            initial_key: Scope -> a pre-provisioned KMS key (id, ARN or alias) to use as
                version 1 of that scope instead of creating one (None: create).
            **client_kwargs: ``region_name``, ``endpoint_url``... for the client.
        """
        if client is None:
            import boto3  # type: ignore[import-untyped]

            client = boto3.client("kms", **client_kwargs)
        self._kms = client
        self._prefix = alias_prefix.rstrip("/")
        self._cache = cache if cache is not None else KeyCache()
        self._deletion_window = deletion_window_days
        self._subkeys: dict[str, bytes] = {}
        self._initial_key = initial_key

    # -- KeyProvider -------------------------------------------------------------------------

    def current_key_id(self, scope: str) -> str:
        """Return the newest version of ``scope``, creating v1 on first use."""
        versions = self._aliases(scope)
        if not versions:
            return self.rotate(scope)
        version, kms_id = max(versions.items())
        return _key_id(scope, version, kms_id)

    def generate_data_key(self, scope: str, context: bytes) -> tuple[str, bytes, bytes]:
        """GenerateDataKey (AES_256) under the current version of ``scope``."""
        key_id = self.current_key_id(scope)
        answer = self._call(
            "generate_data_key",
            key_id,
            KeyId=_parse(key_id)[2],
            KeySpec="AES_256",
            EncryptionContext=_context(context),
        )
        return key_id, bytes(answer["Plaintext"]), bytes(answer["CiphertextBlob"])

    def wrap(self, scope: str, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Encrypt ``data_key`` under the current version of ``scope``."""
        key_id = self.current_key_id(scope)
        answer = self._call(
            "encrypt",
            key_id,
            KeyId=_parse(key_id)[2],
            Plaintext=data_key,
            EncryptionContext=_context(context),
        )
        return key_id, bytes(answer["CiphertextBlob"])

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt a wrapped data key (served from the cache when recently used)."""
        index = hashlib.sha256(b"\0".join((key_id.encode(), wrapped, context))).digest()
        if (cached := self._cache.get(index)) is not None:
            return cached
        kms_id = _parse(key_id)[2]
        # Check the state ourselves too: a destroyed version must fail even where a KMS (or an
        # emulator) would still decrypt under a disabled key.
        state = self._call("describe_key", key_id, KeyId=kms_id)["KeyMetadata"]["KeyState"]
        if state != "Enabled":
            raise KeyNotFoundError(
                f"KMS key for {key_id!r} is {state}: data sealed under it cannot be recovered",
                key_id=key_id,
                destroyed=True,
            )
        answer = self._call(
            "decrypt",
            key_id,
            KeyId=kms_id,
            CiphertextBlob=wrapped,
            EncryptionContext=_context(context),
        )
        data_key = bytes(answer["Plaintext"])
        self._cache.put(index, key_id, data_key)
        return data_key

    def rewrap(
        self, key_id: str, wrapped: bytes, context: bytes, *, scope: str
    ) -> tuple[str, bytes]:
        """ReEncrypt under the current version of ``scope``: the data key never leaves KMS."""
        new_key_id = self.current_key_id(scope)
        answer = self._call(
            "re_encrypt",
            key_id,
            CiphertextBlob=wrapped,
            SourceKeyId=_parse(key_id)[2],
            SourceEncryptionContext=_context(context),
            DestinationKeyId=_parse(new_key_id)[2],
            DestinationEncryptionContext=_context(context),
        )
        return new_key_id, bytes(answer["CiphertextBlob"])

    def derive_subkey(self, purpose: str) -> bytes:
        """Return HMAC-SHA256(purpose) computed by the vault's HMAC KMS key (stable)."""
        if (key := self._subkeys.get(purpose)) is None:
            answer = self._call(
                "generate_mac",
                "subkeys",
                KeyId=self._subkey_key(),
                Message=purpose.encode("utf-8"),
                MacAlgorithm="HMAC_SHA_256",
            )
            key = bytes(answer["Mac"])
            self._subkeys[purpose] = key
        return key

    # -- administration ----------------------------------------------------------------------

    def rotate(self, scope: str) -> str:
        """Create a new KMS key as the next version of ``scope``; return its key id."""
        _check_scope(scope)
        version = max(self._aliases(scope), default=0) + 1
        given = self._initial_key(scope) if self._initial_key and version == 1 else None
        if given is not None:
            kms_id = self._call("describe_key", scope, KeyId=given)["KeyMetadata"]["KeyId"]
            self._call(
                "create_alias", scope, AliasName=self._alias(scope, version), TargetKeyId=kms_id
            )
            logger.info("KMS scope %r starts on its configured key", scope)
            return _key_id(scope, version, kms_id)
        created = self._call(
            "create_key",
            scope,
            Description=f"vault wrapping key {scope} v{version}",
            KeyUsage="ENCRYPT_DECRYPT",
            Tags=[{"TagKey": "vault-scope", "TagValue": scope}],
        )
        kms_id = created["KeyMetadata"]["KeyId"]
        self._call("create_alias", scope, AliasName=self._alias(scope, version), TargetKeyId=kms_id)
        logger.info("rotated KMS scope %r to v%d", scope, version)
        return _key_id(scope, version, kms_id)

    def destroy(self, key_id: str, *, shred: bool = False) -> None:
        """Disable the version's KMS key and schedule its deletion (crypto-shredding).

        ``shred`` is accepted for symmetry with ``LocalKeyring.destroy``: KMS cannot count the
        objects a key still protects, so every destroy here is a shred."""
        kms_id = _parse(key_id)[2]
        self._call("disable_key", key_id, KeyId=kms_id)
        self._call(
            "schedule_key_deletion",
            key_id,
            KeyId=kms_id,
            PendingWindowInDays=self._deletion_window,
        )
        self._cache.evict_key_id(key_id)
        logger.warning("destroyed KMS key version %s", key_id)

    def versions(self, scope: str) -> list[KeyVersion]:
        """Versions of ``scope``, oldest first, with their KMS key state."""
        out = []
        for version, kms_id in sorted(self._aliases(scope).items()):
            meta = self._call("describe_key", scope, KeyId=kms_id)["KeyMetadata"]
            status = "active" if meta["KeyState"] == "Enabled" else "destroyed"
            created = meta["CreationDate"].isoformat(timespec="seconds")
            out.append(KeyVersion(_key_id(scope, version, kms_id), scope, version, created, status))
        return out

    # -- internals ---------------------------------------------------------------------------

    def _alias(self, scope: str, version: int) -> str:
        return f"{self._prefix}/{scope}/v{version}"

    def _aliases(self, scope: str) -> dict[int, str]:
        _check_scope(scope)
        start = f"{self._prefix}/{scope}/v"
        found: dict[int, str] = {}
        paginator = self._kms.get_paginator("list_aliases")
        try:
            for page in paginator.paginate():
                for alias in page["Aliases"]:
                    name = alias["AliasName"]
                    if name.startswith(start) and name[len(start) :].isdigit():
                        found[int(name[len(start) :])] = alias["TargetKeyId"]
        except Exception as exc:
            raise CryptoError(
                f"cannot list KMS aliases for scope {scope!r}: {type(exc).__name__}"
            ) from exc
        return found

    def _subkey_key(self) -> str:
        alias = f"{self._prefix}/_subkeys"
        try:
            return str(self._kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])
        except Exception as exc:
            if _code(exc) != "NotFoundException":
                raise CryptoError(f"cannot read KMS key {alias}: {_code(exc)}") from exc
        created = self._call(
            "create_key",
            "subkeys",
            Description="vault subkey root (HMAC)",
            KeyUsage="GENERATE_VERIFY_MAC",
            KeySpec="HMAC_256",
        )
        kms_id = str(created["KeyMetadata"]["KeyId"])
        self._call("create_alias", "subkeys", AliasName=alias, TargetKeyId=kms_id)
        return kms_id

    def _call(self, operation: str, key_id: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._kms, operation)(**kwargs)
        except Exception as exc:
            code = _code(exc)
            if code in _GONE:
                raise KeyNotFoundError(
                    f"KMS key for {key_id!r} is missing, disabled or pending deletion ({code}): "
                    "data sealed under it cannot be recovered",
                    key_id=key_id,
                    destroyed=code != "NotFoundException",
                ) from exc
            if code in _WRONG:
                raise WrongKeyError(
                    f"KMS refused to unwrap under {key_id!r}: wrong key, context or tampered data",
                    key_id=key_id,
                ) from exc
            if code is None:
                raise
            raise CryptoError(f"KMS {operation} failed for {key_id!r}: {code}") from exc


def _code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code"))
    return None


def _context(context: bytes) -> dict[str, str]:
    return {_CONTEXT_FIELD: base64.b64encode(context).decode("ascii")}


def _key_id(scope: str, version: int, kms_id: str) -> str:
    return f"aws-kms:{scope}:v{version}:{kms_id}"


def _parse(key_id: str) -> tuple[str, int, str]:
    match = _KEY_ID_RE.fullmatch(key_id)
    if match is None:
        raise KeyNotFoundError(f"not an AWS KMS key id: {key_id[:120]!r}", key_id=key_id)
    return match["scope"], int(match["version"]), match["kms"]


def _check_scope(scope: str) -> None:
    if not _SCOPE_RE.fullmatch(scope):
        raise ValueError("a KMS scope must be 1-200 letters, digits, '_' or '-'")
