"""Key providers: the ``KeyProvider`` protocol and ``LocalKeyring``, a secret-sealed key file."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault_core.crypto.exceptions import (
    KeyInUseError,
    KeyNotFoundError,
    KeyringError,
    KeyringMissingError,
    MasterSecretMissingError,
    WrongKeyError,
)
from vault_core.crypto.keyring_file import KeyringFile, WriteConflictError, keyring_file
from vault_core.crypto.keys import DEFAULT_SCRYPT_N, KEY_LENGTH, derive_key, master_key_from_secret
from vault_core.storage_options import StorageOptions

__all__ = ["KeyProvider", "KeyVersion", "LocalKeyring"]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

_FORMAT = "vault-local-keyring"
_FORMAT_VERSION = 1
_NONCE_LEN = 12
_SALT_LEN = 16
_CHECK_PLAINTEXT = b"vault local keyring check v1"
_CHECK_AAD = b"vault/local-keyring/check"
_ENTRY_AAD = b"vault/local-keyring/wrapping-key\0"
_WRITE_ATTEMPTS = 20  # conditional writes lost to other writers before giving up
_KEY_ID_RE = re.compile(r"local:(?P<scope>.+):v(?P<version>[1-9][0-9]*)", re.ASCII | re.DOTALL)


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps per-object data keys under versioned wrapping keys and derives stable subkeys."""

    def current_key_id(self, scope: str) -> str:
        """Return the id of the wrapping key new data in ``scope`` uses (created on first use)."""
        ...

    def wrap(self, scope: str, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` under the current key of ``scope``, bound to ``context``."""
        ...

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Unwrap a data key; raises WrongKeyError or KeyNotFoundError."""
        ...

    def generate_data_key(self, scope: str, context: bytes) -> tuple[str, bytes, bytes]:
        """Return ``(key_id, data_key, wrapped)``: a fresh 32-byte data key and its wrapping."""
        ...

    def rewrap(
        self, key_id: str, wrapped: bytes, context: bytes, *, scope: str
    ) -> tuple[str, bytes]:
        """Re-wrap a data key under the current key of ``scope``; return the new id and wrapping."""
        ...

    def derive_subkey(self, purpose: str) -> bytes:
        """Return a stable 32-byte key for ``purpose`` (content addresses, HMAC tokens)."""
        ...

    def rotate(self, scope: str) -> str:
        """Add a wrapping-key version to ``scope``; return its id. Old versions stay usable."""
        ...

    def destroy(self, key_id: str) -> None:
        """Destroy one wrapping-key version: what only it protects becomes unrecoverable."""
        ...

    def versions(self, scope: str) -> list[KeyVersion]:
        """Return the versions of ``scope``, oldest first."""
        ...


@dataclass(frozen=True)
class KeyVersion:
    """Public description of one wrapping-key version (never the key itself)."""

    key_id: str
    scope: str
    version: int
    created: str
    status: str
    destroyed: str | None = None
    """When the version was destroyed (ISO time), None while active."""


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64d(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text, validate=True)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`_seal`; raises InvalidTag (or ValueError when too short)."""
    return AESGCM(key).decrypt(sealed[:_NONCE_LEN], sealed[_NONCE_LEN:], aad)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _parse_document(raw: bytes, path: str) -> dict[str, Any]:
    """Parse and shape-check a keyring file so later code can index it without surprises."""
    try:
        doc = json.loads(raw)
        if doc["format"] != _FORMAT or doc["format_version"] != _FORMAT_VERSION:
            raise ValueError("unsupported keyring format")
        _b64d(doc["kdf"]["salt"])
        _b64d(doc["check"])
        if not isinstance(doc["kdf"]["n"], int) or not isinstance(doc["scopes"], dict):
            raise TypeError("bad keyring field types")
        for versions in doc["scopes"].values():
            for entry in versions:
                if not isinstance(entry["version"], int) or not isinstance(entry["created"], str):
                    raise TypeError("bad key version entry")
                if entry["status"] == "active":
                    _b64d(entry["wrapped_key"])
                elif entry["status"] != "destroyed":
                    raise ValueError("unknown key status")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise KeyringError(f"keyring file {path} is malformed or unsupported", path=path) from exc
    return doc  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4)
def _stretched(secret: bytes, salt: bytes, n: int) -> bytes:
    """:func:`master_key_from_secret`, once per process for a secret and a keyring's salt.

    A pipeline opens its vault in every step (Dagster builds resources per run) and scrypt costs
    about 0.1 s a time: 3% of the CPU of a 100 MB day in ``patterns`` mode. The cache keeps only
    what the process holds anyway (the secret, in its environment; the derived key, in every
    open keyring); a wrong secret is still refused by the keyring's check value.
    """
    return master_key_from_secret(secret, salt, n=n)


class LocalKeyring:
    """Keyring file whose wrapping keys are sealed by a key derived from a master secret.

    The file (JSON, mode 0600) holds a random scrypt salt, an authenticated check value and, per
    scope, the versions of its wrapping key, each stored only AES-256-GCM-encrypted. Key ids look
    like ``local:<scope>:v<N>``. The file is a local path or an fsspec URL (``s3://...``): on a
    local disk writes take an ``fcntl.flock`` on ``<path>.lock`` and replace the file atomically;
    in an object store every replacement is a conditional put on the version read, retried when
    another writer won (``keyring_file``). Either way several instances, processes or machines
    can share one keyring. Destroyed keys are erased from the file; older copies left behind by
    the filesystem or the object store's versioning are out of scope.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        master_secret: str | bytes,
        *,
        scrypt_n: int = DEFAULT_SCRYPT_N,
        create: bool = True,
        references: Callable[[str], int] | None = None,
        storage_options: StorageOptions | None = None,
    ) -> None:
        """Open the keyring at ``path``, creating it if absent and ``create`` allows it.

        Args:
            path: The keyring file (a local path or an fsspec URL); its directory is created
                if needed.
            master_secret: The secret protecting the keyring. Never stored.
            scrypt_n: scrypt cost used when creating a new keyring (an existing file keeps its
                own). Lower it only in tests.
            create: Create the file when it is absent. ``False`` for a vault that already
                sealed data (a new keyring would not open it) and for read-only use.
            references: Counts the stored objects whose header names a key id; when given,
                :meth:`destroy` refuses a version that still protects objects (see there).
            storage_options: Storage options when ``path`` is a URL
                (``vault_core.storage_options``).

        Raises:
            KeyringMissingError: If the file is absent and ``create`` is False.
            MasterSecretMissingError: If ``master_secret`` is empty.
            WrongKeyError: If the file exists and ``master_secret`` does not open it.
            KeyringError: If the file is malformed.
        """
        secret = master_secret.encode("utf-8") if isinstance(master_secret, str) else master_secret
        if not secret:
            raise MasterSecretMissingError("the master secret is empty: provide a non-empty secret")
        self._file: KeyringFile = keyring_file(path, storage_options)
        self.path = self._file.location
        self._mutex = threading.RLock()
        self._doc: dict[str, Any] = {}
        self._signature: tuple[object, ...] = ()
        self._cache: dict[str, bytes] = {}
        self._kek = b""
        self._subkey_root = b""
        self._salt = b""
        self._references = references
        if not create and not self._file.exists():
            raise KeyringMissingError(
                f"keyring file {self.path} is missing: restore it from backup", path=self.path
            )
        with self._locked():
            if not self._file.exists():
                if not create:
                    raise KeyringMissingError(
                        f"keyring file {self.path} is missing: restore it from backup",
                        path=self.path,
                    )
                self._create(secret, scrypt_n)
            self._refresh(force=True, secret=secret)

    @classmethod
    def from_env(
        cls,
        path: str | os.PathLike[str],
        env_var: str = "VAULT_MASTER_SECRET",
        *,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> LocalKeyring:
        """Open the keyring at ``path`` with the master secret read from ``env_var``.

        Raises:
            MasterSecretMissingError: If the variable is unset or empty.
        """
        secret = os.environ.get(env_var)
        if not secret:
            raise MasterSecretMissingError(
                f"environment variable {env_var} is not set or empty: set it to the vault master "
                "secret",
                env_var=env_var,
            )
        return cls(path, secret, scrypt_n=scrypt_n)

    # -- KeyProvider -------------------------------------------------------------------------

    def current_key_id(self, scope: str) -> str:
        """Return the id of the newest version of ``scope``, creating v1 on first use.

        If the newest version was destroyed, a new version is created rather than falling back
        to an older one.
        """
        _check_scope(scope)
        with self._mutex:
            self._refresh()
            key_id = self._current(scope)
            if key_id is not None:
                return key_id

            def add() -> str:
                key_id = self._current(scope)
                return key_id if key_id is not None else self._add_version(scope)

            return self._mutate(add)

    def wrap(self, scope: str, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Encrypt ``data_key`` (AES-256-GCM, associated data ``context + key_id``).

        Returns:
            ``(key_id, nonce + ciphertext + tag)``.
        """
        if not data_key:
            raise ValueError("data_key must not be empty")
        key_id = self.current_key_id(scope)
        aad = context + key_id.encode("utf-8")
        return key_id, _seal(self._wrapping_key(key_id), data_key, aad)

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt a data key wrapped by :meth:`wrap`.

        Raises:
            KeyNotFoundError: If ``key_id`` is unknown or was destroyed.
            WrongKeyError: If ``wrapped`` or ``context`` do not authenticate under ``key_id``.
        """
        key = self._wrapping_key(key_id)
        try:
            return _open(key, wrapped, context + key_id.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise WrongKeyError(
                f"cannot unwrap data key under {key_id!r}: wrong key, context or tampered data",
                key_id=key_id,
            ) from exc

    def generate_data_key(self, scope: str, context: bytes) -> tuple[str, bytes, bytes]:
        """Return a fresh random data key wrapped under the current key of ``scope``."""
        data_key = secrets.token_bytes(KEY_LENGTH)
        key_id, wrapped = self.wrap(scope, data_key, context)
        return key_id, data_key, wrapped

    def rewrap(
        self, key_id: str, wrapped: bytes, context: bytes, *, scope: str
    ) -> tuple[str, bytes]:
        """Unwrap under ``key_id`` and wrap again under the current key of ``scope``."""
        return self.wrap(scope, self.unwrap(key_id, wrapped, context), context)

    def derive_subkey(self, purpose: str) -> bytes:
        """Return a 32-byte key for ``purpose``, stable for this keyring and master secret."""
        return derive_key(self._subkey_root, purpose)

    # -- administration ----------------------------------------------------------------------

    def rotate(self, scope: str) -> str:
        """Add a new version to ``scope`` and return its key id; old versions stay usable."""
        _check_scope(scope)
        key_id = self._mutate(lambda: self._add_version(scope))
        logger.info("rotated keyring scope %r to %s", scope, key_id)
        return key_id

    def destroy(self, key_id: str, *, shred: bool = False) -> None:
        """Erase the key material of ``key_id``; idempotent.

        With a ``references`` counter (a :class:`~vault_core.vault.Vault` keyring has one), a
        version that some stored object still names in its header, or the current version of
        its scope (puts may be sealing under it), is refused: retiring a version after a
        rotation only loses data if the rotation missed an object. ``shred=True`` skips the
        check on purpose: crypto-shredding (GDPR erasure) makes what it protects unrecoverable.
        Without a counter the keyring cannot see the store and destroys unconditionally.

        Raises:
            KeyNotFoundError: If ``key_id`` was never in this keyring.
            KeyInUseError: If the version still protects objects or is current (not shredding).
        """
        if not shred and self._references is not None:
            self._refuse_if_in_use(key_id)

        def erase() -> None:
            doc = copy.deepcopy(self._doc)
            entry = _find_entry(doc, key_id)
            if entry is None:
                raise KeyNotFoundError(
                    f"key {key_id!r} is not in keyring {self.path}", key_id=key_id
                )
            if entry["status"] == "destroyed":
                return
            entry["status"] = "destroyed"
            entry["destroyed"] = _now()
            del entry["wrapped_key"]
            self._write(doc)
            self._refresh(force=True)

        self._mutate(erase)
        logger.warning("destroyed key %s in keyring %s", key_id, self.path)

    def _refuse_if_in_use(self, key_id: str) -> None:
        assert self._references is not None
        match = _KEY_ID_RE.fullmatch(key_id)
        with self._mutex:
            self._refresh()
            if match is None or _find_entry(self._doc, key_id) is None:
                raise KeyNotFoundError(
                    f"key {key_id!r} is not in keyring {self.path}", key_id=key_id
                )
            current = self._current(match["scope"])
        count = self._references(key_id)
        if count:
            raise KeyInUseError(
                f"key {key_id!r} still protects {count} stored objects: rotate the dataset "
                "(`vault keys rotate`) until `vault keys list` shows 0 objects for it, or "
                "shred on purpose (erasure)",
                key_id=key_id,
                objects=count,
            )
        if key_id == current:
            raise KeyInUseError(
                f"key {key_id!r} is the current version of its dataset (new data is sealed "
                "under it): rotate first, or shred on purpose (erasure)",
                key_id=key_id,
                objects=0,
            )

    def key_ids(self, scope: str) -> list[str]:
        """Return the ids of every version of ``scope``, oldest first, destroyed ones included."""
        return [v.key_id for v in self.versions(scope)]

    def versions(self, scope: str) -> list[KeyVersion]:
        """Return the versions of ``scope`` (id, number, creation time, status), oldest first."""
        with self._mutex:
            self._refresh()
            return _versions(self._doc, scope)

    def scopes(self) -> list[str]:
        """Return every scope that has at least one key version."""
        with self._mutex:
            self._refresh()
            return sorted(self._doc["scopes"])

    # -- internals ---------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # The RLock serialises threads of this instance; the file's lock (flock on a local
        # disk) serialises other instances and processes where the store has one.
        with self._mutex, self._file.locked():
            yield

    def _mutate(self, change: Callable[[], _T]) -> _T:
        """Run ``change`` on the freshly read document, again if another writer won the race
        (object stores: the conditional put refused a stale version)."""
        for _ in range(_WRITE_ATTEMPTS):
            with self._locked():
                self._refresh(force=True)
                try:
                    return change()
                except WriteConflictError:
                    logger.debug("keyring %s changed while writing: reading it again", self.path)
        raise KeyringError(
            f"keyring {self.path} kept changing under {_WRITE_ATTEMPTS} attempts to update it: "
            "retry later",
            path=self.path,
        )

    def _create(self, secret: bytes, scrypt_n: int) -> None:
        salt = secrets.token_bytes(_SALT_LEN)
        kek = derive_key(_stretched(secret, salt, scrypt_n), "vault/local-keyring/kek/v1")
        check = _seal(kek, _CHECK_PLAINTEXT, _CHECK_AAD)
        kdf = {"name": "scrypt", "salt": _b64e(salt), "n": scrypt_n, "r": 8, "p": 1}
        doc = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "kdf": kdf}
        try:
            self._write({**doc, "check": _b64e(check), "created": _now(), "scopes": {}}, new=True)
        except WriteConflictError:
            return  # another process created it first: the caller reads that one
        logger.info("created keyring %s", self.path)

    def _refresh(self, *, force: bool = False, secret: bytes | None = None) -> None:
        """Reload the file if it changed on disk (or always when ``force``)."""
        with self._mutex:
            try:
                if not force and self._file.signature() == self._signature:
                    return
                raw, signature = self._file.read()
            except FileNotFoundError as exc:
                raise KeyringError(f"keyring file {self.path} is missing", path=self.path) from exc
            doc = _parse_document(raw, self.path)
            if secret is not None:
                salt = _b64d(doc["kdf"]["salt"])
                master = _stretched(secret, salt, doc["kdf"]["n"])
                self._kek = derive_key(master, "vault/local-keyring/kek/v1")
                self._subkey_root = derive_key(master, "vault/local-keyring/subkeys/v1")
                self._salt = salt
            elif _b64d(doc["kdf"]["salt"]) != self._salt:
                raise KeyringError(
                    f"keyring file {self.path} was replaced by a different keyring: reopen it",
                    path=self.path,
                )
            try:
                _open(self._kek, _b64d(doc["check"]), _CHECK_AAD)
            except (InvalidTag, ValueError) as exc:
                raise WrongKeyError(
                    f"the master secret does not open keyring {self.path}: check the secret"
                ) from exc
            self._doc, self._signature, self._cache = doc, signature, {}

    def _write(self, doc: dict[str, Any], *, new: bool = False) -> None:
        """Replace the document read last (``new``: create it); raises WriteConflictError when
        another writer replaced it meanwhile."""
        data = json.dumps(doc, indent=2, sort_keys=True).encode("utf-8")
        self._file.write(data, None if new else self._signature)

    def _current(self, scope: str) -> str | None:
        entries = self._doc["scopes"].get(scope)
        if not entries:
            return None
        newest = max(entries, key=lambda e: int(e["version"]))
        return _key_id(scope, newest["version"]) if newest["status"] == "active" else None

    def _add_version(self, scope: str) -> str:
        """Append a fresh wrapping key to ``scope`` and persist; caller holds the file lock."""
        doc = copy.deepcopy(self._doc)
        entries = doc["scopes"].setdefault(scope, [])
        version = max((int(e["version"]) for e in entries), default=0) + 1
        key_id = _key_id(scope, version)
        sealed = _seal(self._kek, secrets.token_bytes(KEY_LENGTH), _ENTRY_AAD + key_id.encode())
        entry = {"version": version, "created": _now(), "status": "active"}
        entries.append({**entry, "wrapped_key": _b64e(sealed)})
        self._write(doc)
        self._refresh(force=True)
        return key_id

    def _wrapping_key(self, key_id: str) -> bytes:
        with self._mutex:
            self._refresh()
            if (entry := _find_entry(self._doc, key_id)) is None:
                # Another instance may have added it since our last look: reload once.
                self._refresh(force=True)
                entry = _find_entry(self._doc, key_id)
            if entry is None:
                raise KeyNotFoundError(
                    f"key {key_id!r} is not in keyring {self.path}", key_id=key_id
                )
            if entry["status"] != "active":
                raise KeyNotFoundError(
                    f"key {key_id!r} was destroyed: data sealed under it cannot be recovered",
                    key_id=key_id,
                    destroyed=True,
                )
            if (key := self._cache.get(key_id)) is None:
                aad = _ENTRY_AAD + key_id.encode("utf-8")
                try:
                    key = _open(self._kek, _b64d(entry["wrapped_key"]), aad)
                except (InvalidTag, ValueError) as exc:
                    raise KeyringError(
                        f"entry {key_id!r} of keyring {self.path} failed authentication",
                        path=self.path,
                    ) from exc
                self._cache[key_id] = key
            return key


def key_versions_in_file(
    path: str, storage_options: StorageOptions | None = None
) -> list[KeyVersion]:
    """Every key version a keyring file describes (ids, times, status: public metadata), read
    without its master secret: how the event sensor reports keyrings whose secret it lacks."""
    raw, _ = keyring_file(path, storage_options).read()
    doc = _parse_document(raw, path)
    return [version for scope in sorted(doc["scopes"]) for version in _versions(doc, scope)]


def _versions(doc: dict[str, Any], scope: str) -> list[KeyVersion]:
    entries = doc["scopes"].get(scope, [])
    return [
        KeyVersion(
            _key_id(scope, e["version"]),
            scope,
            e["version"],
            e["created"],
            e["status"],
            e.get("destroyed"),
        )
        for e in sorted(entries, key=lambda e: int(e["version"]))
    ]


def _find_entry(doc: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    match = _KEY_ID_RE.fullmatch(key_id)
    if match is None:
        return None
    version = int(match["version"])
    for entry in doc["scopes"].get(match["scope"], []):
        if entry["version"] == version:
            return entry  # type: ignore[no-any-return]
    return None


def _key_id(scope: str, version: int) -> str:
    return f"local:{scope}:v{version}"


def _check_scope(scope: str) -> None:
    if not scope or "\0" in scope:
        raise ValueError("a key scope must be a non-empty string without NUL characters")
