"""Check a store: every object on disk (header, key, every segment, the content address), every
object the datasets reference (a missing one is a failure) and packs that lost their index."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from vault_core.crypto import CryptoError
from vault_core.storage.cas import ContentAddressedStore
from vault_core.storage.exceptions import IntegrityError, ObjectNotFoundError, StorageError

__all__ = ["VerifyReport", "verify_store"]


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_store`: counts and, per failure, the error type and message.

    ``failures`` is keyed by address, or by ``pack <id>`` for a pack whose index is gone.
    """

    checked: int = 0
    plaintext_bytes: int = 0
    seconds: float = 0.0
    missing: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every object opened and matched its address and nothing was missing."""
        return not self.failures


def verify_store(
    store: ContentAddressedStore,
    *,
    scope: str | None = None,
    expected: Mapping[str, Collection[str]] | None = None,
    progress: Callable[[str, str | None], None] | None = None,
) -> VerifyReport:
    """Open every object (of ``scope`` if given) in streaming mode and record what fails.

    Args:
        store: The store to check.
        scope: Only this dataset's objects and references. An object whose header cannot be
            read cannot be attributed to a dataset: it is a failure in every scope.
        expected: Dataset -> addresses it references (``Vault.references()``: reference index,
            manifests, quarantine). Each one not stored is a failure (``ObjectNotFoundError``).
        progress: Called with each address (or pack) and its error, if any.

    A pack file without its index is a failure too: its objects cannot be found (restore the
    index; if it is the leftover of an interrupted batch, ``vault gc`` removes it). A batch
    being written at this moment also looks like that: verify when nothing ingests.
    """
    report = VerifyReport()
    started = time.perf_counter()

    def fail(name: str, error: str) -> None:
        report.failures[name] = error
        if progress is not None:
            progress(name, error)

    orphan_packs = store.packs_without_index()  # first: it reloads the pack indexes
    stored: set[str] = set()
    for address in store.list():
        stored.add(address)
        if scope is not None:
            try:
                if store.scope_of(address) != scope:
                    continue
            except IntegrityError as exc:
                report.checked += 1
                fail(address, f"{type(exc).__name__}: {exc}")
                continue
            except ObjectNotFoundError:
                continue  # removed since the listing
        report.checked += 1
        error: str | None = None
        try:
            for piece in store.iter_plaintext(address):
                report.plaintext_bytes += len(piece)
        except (StorageError, CryptoError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            fail(address, error)
        if error is None and progress is not None:
            progress(address, None)
    for dataset, addresses in sorted((expected or {}).items()):
        if scope is not None and dataset != scope:
            continue
        for address in sorted(set(addresses) - stored):
            if store.exists(address):
                continue  # stored since the listing
            report.checked += 1
            report.missing += 1
            fail(
                address,
                f"ObjectNotFoundError: referenced by dataset {dataset!r} but not stored "
                "(restore it, or re-ingest its landing data)",
            )
    for pack_id in orphan_packs:
        fail(
            f"pack {pack_id}",
            "CorruptPackError: pack file without its index, its objects cannot be found "
            "(restore the index; an interrupted batch is removed by `vault gc`)",
        )
    report.seconds = time.perf_counter() - started
    return report
