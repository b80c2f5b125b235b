"""Signed checkpoints of the audit log: the sequence number and hash of its head, signed with
Ed25519 whose private key is derived from the keyring (so only a holder of the master secret can
sign; anyone with the public key can verify). Checkpoints chain too, and the latest one is also
recorded outside the vault home (the Dagster instance), which detects a rolled-back log."""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict

from vault_core.audit.entry import canonical

CHECKPOINT_KEY_PURPOSE = "vault/audit-checkpoint/v1"


class Checkpoint(BaseModel):
    """A signed statement: the log held ``seq + 1`` entries ending with hash ``head``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    head: str
    time: str
    prev_checkpoint: str
    """Hash of the previous checkpoint line (``""`` for the first)."""
    public_key: str
    signature: str

    def signed_body(self) -> bytes:
        """What the signature covers."""
        return canonical(self.model_dump(mode="json", exclude={"signature"})).encode("utf-8")

    def line(self) -> str:
        """The stored line of ``audit/checkpoints.jsonl``."""
        return canonical(self.model_dump(mode="json"))

    def digest(self) -> str:
        """Hash of the stored line (what the next checkpoint's ``prev_checkpoint`` names)."""
        return hashlib.sha256(self.line().encode("utf-8")).hexdigest()

    def signature_valid(self) -> bool:
        """Whether ``signature`` verifies under ``public_key``."""
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            key.verify(bytes.fromhex(self.signature), self.signed_body())
        except (InvalidSignature, ValueError):
            return False
        return True


class CheckpointSigner:
    """Signs checkpoints with a key derived from the keyring's subkey for audit checkpoints."""

    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed[:32])
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, seq: int, head: str, time: str, prev_checkpoint: str) -> Checkpoint:
        """A checkpoint of the head ``(seq, head)``."""
        unsigned = Checkpoint(
            seq=seq,
            head=head,
            time=time,
            prev_checkpoint=prev_checkpoint,
            public_key=self.public_key,
            signature="",
        )
        signature = self._key.sign(unsigned.signed_body()).hex()
        return unsigned.model_copy(update={"signature": signature})
