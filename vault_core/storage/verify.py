"""Check every object of a store: header, key, every segment and the content address."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vault_core.crypto import CryptoError
from vault_core.storage.cas import ContentAddressedStore
from vault_core.storage.exceptions import StorageError

__all__ = ["VerifyReport", "verify_store"]


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_store`: counts and, per failing address, the error type."""

    checked: int = 0
    plaintext_bytes: int = 0
    seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every object opened and matched its address."""
        return not self.failures


def verify_store(
    store: ContentAddressedStore,
    *,
    scope: str | None = None,
    progress: Callable[[str, str | None], None] | None = None,
) -> VerifyReport:
    """Open every object (of ``scope`` if given) in streaming mode and record what fails."""
    report = VerifyReport()
    started = time.perf_counter()
    addresses = store.list() if scope is None else store.list_scope(scope)
    for address in addresses:
        report.checked += 1
        error: str | None = None
        try:
            for piece in store.iter_plaintext(address):
                report.plaintext_bytes += len(piece)
        except (StorageError, CryptoError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            report.failures[address] = error
        if progress is not None:
            progress(address, error)
    report.seconds = time.perf_counter() - started
    return report
