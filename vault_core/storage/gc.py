"""Mark-and-sweep garbage collection of a store against a reference index, with a grace period.

Mark: every address some dataset's current manifest or quarantine uses. Callers pass
``Vault.references()``: the reference index *and* the manifest and quarantine tables, which are
committed before the index, so a crash between the two commits never leaves live objects
unmarked.
Sweep: objects of an indexed dataset that nothing references and that were not stored or found
by a dedup put within the grace period; bodies without header, packs without index and
temporary files (left by crashes) older than the grace period. Objects of scopes the index does
not know are kept: no dataset said it stopped using them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass, field

from vault_core.storage.cas import ContentAddressedStore
from vault_core.storage.exceptions import IntegrityError, ObjectNotFoundError

__all__ = ["GcReport", "collect_garbage"]

logger = logging.getLogger(__name__)


@dataclass
class GcReport:
    """Outcome of :func:`collect_garbage` (addresses and counts, never contents)."""

    dry_run: bool
    kept: int = 0
    unindexed: int = 0
    young: int = 0
    removed: list[str] = field(default_factory=list)
    orphan_files: int = 0
    orphan_bytes: int = 0
    seconds: float = 0.0


def collect_garbage(
    store: ContentAddressedStore,
    references: Mapping[str, Collection[str]],
    *,
    grace: float = 24 * 3600.0,
    dry_run: bool = False,
    now: float | None = None,
) -> GcReport:
    """Remove what no dataset references and is older than ``grace`` seconds.

    Args:
        store: The store to sweep.
        references: Dataset (key scope) -> the addresses its current raw zone uses: include
            the manifest and quarantine tables, not only the reference index (see above).
        grace: Objects and files younger than this are kept: a put whose reference is not
            recorded yet may be using them.
        dry_run: Report what would be removed, remove nothing.
        now: The current time (seconds since the epoch), for tests.
    """
    started = time.perf_counter()
    cutoff = (time.time() if now is None else now) - grace
    live: set[str] = set()
    for addresses in references.values():
        live.update(addresses)
    report = GcReport(dry_run=dry_run)
    doomed: list[str] = []
    for address in store.list():
        if address in live:
            report.kept += 1
            continue
        try:
            scope = store.scope_of(address)
        except IntegrityError:
            scope = None  # unreadable header: keep it and let `vault verify` report it
        except ObjectNotFoundError:
            continue
        if scope is None or scope not in references:
            report.unindexed += 1
            continue
        try:
            young = store.modified_of(address) > cutoff
        except ObjectNotFoundError:
            continue
        if young:
            report.young += 1
        else:
            doomed.append(address)
    report.removed = doomed
    orphans = [f for f in store.unreferenced_files() if f.modified <= cutoff]
    report.orphan_files = len(orphans)
    report.orphan_bytes = sum(f.size for f in orphans)
    if not dry_run:
        store.delete_many(doomed)
        for orphan in orphans:
            with suppress(FileNotFoundError):
                store.remove_path(orphan.path)
    report.seconds = time.perf_counter() - started
    logger.info(
        "gc of %s: %d objects %s, %d orphan files (%d bytes), %d kept",
        store.root_url,
        len(doomed),
        "would be removed" if dry_run else "removed",
        len(orphans),
        report.orphan_bytes,
        report.kept,
    )
    return report
