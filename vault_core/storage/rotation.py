"""Key rotation over a store: add a wrapping-key version, re-wrap every data key, keep payloads."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from vault_core.storage.cas import ContentAddressedStore

__all__ = ["RotationReport", "rotate_scope"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RotationReport:
    """Outcome of :func:`rotate_scope` (key ids only, never keys).

    Attributes:
        scope: The rotated scope (dataset or tenant).
        new_key_id: The wrapping-key version every object of the scope now uses.
        rewrapped: Objects whose header was re-wrapped.
        unchanged: Objects already under the new key.
        seconds: Wall time of the re-wrap pass.
    """

    scope: str
    new_key_id: str
    rewrapped: int
    unchanged: int
    seconds: float

    @property
    def objects_per_second(self) -> float:
        """Re-wrap throughput."""
        return (self.rewrapped + self.unchanged) / self.seconds if self.seconds > 0 else 0.0


def rotate_scope(
    store: ContentAddressedStore, scope: str, *, new_version: bool = True
) -> RotationReport:
    """Rotate ``scope``: optionally add a key version, then re-wrap every object's data key.

    Only the small headers are replaced; bodies are never read or rewritten. Afterwards older
    versions of the scope protect nothing in this store and may be destroyed.
    """
    provider = store.provider
    new_key_id = provider.rotate(scope) if new_version else provider.current_key_id(scope)
    started = time.perf_counter()
    rewrapped = unchanged = 0
    for address in store.list_scope(scope):
        if store.rewrap(address):
            rewrapped += 1
        else:
            unchanged += 1
    seconds = time.perf_counter() - started
    logger.info("rotated %s to %s: %d objects re-wrapped", scope, new_key_id, rewrapped)
    return RotationReport(scope, new_key_id, rewrapped, unchanged, seconds)
