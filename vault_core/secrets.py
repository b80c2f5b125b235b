"""Find the master secret of the embedded local keyring: environment first, then a private file.

The embedded default creates a random secret in ``$XDG_CONFIG_HOME/vault/master-secret`` (mode
0600) when a brand-new vault is first used, like an SSH key: outside the vault home, so copying
the vault's data never copies what unlocks it. Once a keyring exists a missing file is an error,
never re-created. Production deployments set the environment variable from a secret store
or use a KMS provider instead.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from vault_core import durable
from vault_core.exceptions import ConfigurationError

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


class MasterSecretError(ConfigurationError):
    """The master secret cannot be read or created."""


def default_secret_file() -> Path:
    """``$XDG_CONFIG_HOME/vault/master-secret`` (``~/.config`` when unset)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "vault" / "master-secret"


def resolve_master_secret(
    env_var: str, secret_file: str | None = None, *, create: bool = True
) -> str:
    """Return the master secret from ``env_var``, else from ``secret_file``.

    Args:
        env_var: Environment variable checked first.
        secret_file: The file read otherwise (default :func:`default_secret_file`).
        create: Create a random secret file when it is missing. Only for a brand-new vault
            (see :meth:`vault_core.vault.Vault.is_new`): when a keyring exists, a new secret
            would not open it, so a missing file is an error to fix, never a file to replace.

    Raises:
        MasterSecretError: The file is missing (and ``create`` is False), empty or unreadable.
    """
    from_env = os.environ.get(env_var)
    if from_env:
        return from_env
    path = Path(secret_file) if secret_file else default_secret_file()
    try:
        if not path.exists():
            if not create:
                raise MasterSecretError(
                    f"the master secret file {path} is missing but this vault already has a "
                    f"keyring it protects: restore the file from backup or set {env_var}"
                )
            # Durable and write-once: the keyring it protects is fsynced, so must it be; a
            # process that loses the race to create it reads the winner's.
            secret = secrets.token_urlsafe(32).encode("ascii")
            if durable.publish_file(str(path), secret, dir_mode=0o700):
                logger.info("created a new vault master secret file at %s", path)
        value = path.read_text().strip()
    except OSError as exc:
        raise MasterSecretError(
            f"cannot read or create the master secret file {path}: set {env_var} instead"
        ) from exc
    if not value:
        raise MasterSecretError(
            f"the master secret file {path} is empty: delete it or set {env_var}"
        )
    return value
