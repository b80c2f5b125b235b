"""Key rotation over a store: add a wrapping-key version, re-wrap every data key, keep payloads;
and which key versions the stored objects actually name (read from their headers)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from vault_core.storage.cas import ContentAddressedStore
from vault_core.storage.exceptions import IntegrityError, ObjectNotFoundError

__all__ = ["RotationReport", "count_key_references", "key_usage", "rotate_scope"]

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
        by_key_id: Objects of the scope per key id their header names after the pass (all
            under ``new_key_id`` unless a later rotation overtook this one).
    """

    scope: str
    new_key_id: str
    rewrapped: int
    unchanged: int
    seconds: float
    by_key_id: dict[str, int] = field(default_factory=dict)

    @property
    def objects_per_second(self) -> float:
        """Re-wrap throughput."""
        return (self.rewrapped + self.unchanged) / self.seconds if self.seconds > 0 else 0.0


def rotate_scope(
    store: ContentAddressedStore, scope: str, *, new_version: bool = True
) -> RotationReport:
    """Rotate ``scope``: optionally add a key version, then re-wrap every object's data key.

    Only the small headers are replaced; bodies are never read or rewritten. The key switch
    happens under the store's exclusive lock of the scope (:meth:`ContentAddressedStore.
    key_switch`): puts in flight publish first, later puts seal under the new version, so the
    pass that follows sees every object sealed under an older one. Afterwards older versions
    protect nothing in this store; ``Vault.keyring.destroy`` checks that from the headers
    (:func:`count_key_references`) before it erases a version.

    Manifest and registry ``key_id`` columns record the key at sealing time and are not
    rewritten: the headers (:func:`key_usage`, ``vault keys list``) say which version protects
    an object now.
    """
    provider = store.provider
    with store.key_switch(scope):
        new_key_id = provider.rotate(scope) if new_version else provider.current_key_id(scope)
    started = time.perf_counter()
    rewrapped = unchanged = 0
    by_key_id: Counter[str] = Counter()
    for address in store.list_scope(scope):
        if store.rewrap(address):
            rewrapped += 1
        else:
            unchanged += 1
        by_key_id[store.key_id_of(address)] += 1
    seconds = time.perf_counter() - started
    logger.info("rotated %s to %s: %d objects re-wrapped", scope, new_key_id, rewrapped)
    return RotationReport(scope, new_key_id, rewrapped, unchanged, seconds, dict(by_key_id))


def key_usage(store: ContentAddressedStore, scope: str | None = None) -> dict[str, int]:
    """Objects per wrapping-key id, read from every header (of ``scope`` if given).

    The truth about which version protects what: unlike manifest ``key_id`` columns, headers
    follow rotation. Objects whose header is unreadable are not counted (``vault verify``
    reports them).
    """
    counts: Counter[str] = Counter()
    for address in store.list():
        try:
            header = store.header_of(address)
        except (IntegrityError, ObjectNotFoundError):
            continue
        if scope is None or header.scope == scope:
            counts[header.key_id] += 1
    return dict(counts)


def count_key_references(store: ContentAddressedStore, key_id: str) -> int:
    """How many stored objects name ``key_id`` in their header (reads every header)."""
    return key_usage(store).get(key_id, 0)
