"""Find one person's lines in a dataset's quarantine, for erasure.

Quarantined lines (bad JSON, missing required columns...) are kept only as sealed raw bytes and
never reach the PII stages, so the subject index does not know them. They are scanned at
erasure time instead of indexed at ingest: the quarantine is small beside the records (its rows
are the rejects), erasures are rare, and indexing would mean running detectors over unparsable
bytes at every ingest for a lookup that may never come. The scan decrypts each distinct
quarantined object once and matches the identifiers in the forms the index uses (e-mail and
plain values case-folded at word boundaries; phone and id numbers as runs of their digits and
letters); a line that merely holds the same digits is erased too: erasure errs on the side of
removing a rejected line, never of keeping one.

Erased lines are tombstoned by a keyed digest of their bytes, so that a later ingest of the
same landing file does not quarantine them again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import blake3
import pyarrow as pa
import pyarrow.compute as pc

from vault_core import subject_index
from vault_core.pii.canonical import canonical_value
from vault_core.pii.normalize import normalize_text
from vault_core.tables import TableNotFoundError, open_dataset

if TYPE_CHECKING:
    from vault_core.vault import Vault

ADDRESS = "raw_address"
TOMBSTONE_PREFIX = "q:"
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_MIN_WORD, _MIN_RUN = 3, 6


def tombstone_id(raw: bytes, key: bytes) -> str:
    """The tombstone of a quarantined line: a keyed digest of its bytes (never the bytes)."""
    return TOMBSTONE_PREFIX + blake3.blake3(raw, key=key).hexdigest(length=16)


class Matcher:
    """Whether a quarantined line holds any of one person's identifiers."""

    def __init__(self, identifiers: Sequence[str]) -> None:
        words: set[str] = set()
        self.runs: set[str] = set()
        for identifier in identifiers:
            for kind, norm in subject_index.query_keys(identifier):
                if kind in ("email", "text") and len(norm) >= _MIN_WORD:
                    words.add(canonical_value("PERSON", norm))
                elif kind in ("phone", "id"):
                    run = _NOT_ALNUM.sub("", norm.upper())
                    if len(run) >= _MIN_RUN:
                        self.runs.add(run)
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if words else None

    def matches(self, raw: bytes) -> bool:
        """True when ``raw`` (a quarantined line's bytes) holds one of the identifiers."""
        text = raw.decode("utf-8", "replace")
        if self.pattern is not None and self.pattern.search(canonical_value("PERSON", text)):
            return True
        if self.runs:
            alnum = _NOT_ALNUM.sub("", normalize_text(text)[0].upper())
            return any(run in alnum for run in self.runs)
        return False


def find(
    vault: Vault, dataset: str, identifiers: Sequence[str]
) -> tuple[dict[str, set[str]], set[str]]:
    """The quarantined lines of ``dataset`` holding the identifiers: (partition -> sealed
    addresses, tombstone ids). Work follows the size of the quarantine, not of the dataset."""
    try:
        table = open_dataset(
            vault.table_url(dataset, "quarantine"),
            storage_options=vault.settings.storage_options or None,
        ).to_table(columns=[ADDRESS, "partition"], filter=pc.field(ADDRESS).is_valid())
    except TableNotFoundError:
        return {}, set()
    matcher = Matcher(identifiers)
    key = vault.record_key
    hits: set[str] = set()
    stones: set[str] = set()
    for address in sorted(set(table[ADDRESS].to_pylist())):
        raw = vault.store.get(address)
        if matcher.matches(raw):
            hits.add(address)
            stones.add(tombstone_id(raw, key))
    found: dict[str, set[str]] = {}
    if hits:
        hit = table.filter(pc.is_in(table[ADDRESS], pa.array(sorted(hits), pa.string())))
        for address, partition in zip(
            hit[ADDRESS].to_pylist(), hit["partition"].to_pylist(), strict=True
        ):
            found.setdefault(str(partition), set()).add(str(address))
    return found, stones
