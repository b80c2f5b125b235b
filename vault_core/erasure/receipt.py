"""The receipt of an erasure: what was removed per dataset and zone, in counts and versions,
never an identifier, ending with the verification that nothing is left."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ZoneCounts(BaseModel):
    """What one zone of one dataset lost."""

    model_config = ConfigDict(frozen=True)

    rows: int = 0
    """Rows removed (records, findings, index entries, quarantined lines)."""
    delta_version: int | None = None
    """The table's Delta version after the erasure (None when untouched or a dry run)."""
    files_removed: int = 0
    """Data files of older versions deleted (the versions that still held the rows)."""


class DatasetErasure(BaseModel):
    """What an erasure removed from one dataset."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    partitions: list[str] = Field(default_factory=list)
    """Partition keys that held the subject (keys as the Dagster UI shows them)."""
    records: int = 0
    quarantined: int = 0
    """Quarantined lines (sealed raw bytes of rejected rows) that held the subject, removed."""
    objects_rewritten: int = 0
    """Sealed raw objects rewritten without the records."""
    objects_deleted: int = 0
    """Sealed objects collected: the old versions of rewritten objects, quarantined lines."""
    zones: dict[str, ZoneCounts] = Field(default_factory=dict)
    new_version: str | None = None
    """The registry version registered after the erasure (None when never registered)."""
    erased_versions: list[str] = Field(default_factory=list)
    """Registry versions (``name@semver``) marked ``erased``."""
    models: list[str] = Field(default_factory=list)
    """Models and datasets registered downstream of the erased versions (``impact``)."""


class Verification(BaseModel):
    """The check an erasure ends with: the identifiers looked up again, the anonymized text
    scanned for them."""

    model_config = ConfigDict(frozen=True)

    index_hits: int
    anonymized_matches: int
    datasets_scanned: int
    rows_scanned: int
    quarantine_matches: int = 0
    """Quarantined lines still holding one of the identifiers."""

    @property
    def passed(self) -> bool:
        """Nothing was found."""
        return (
            self.index_hits == 0 and self.anonymized_matches == 0 and (self.quarantine_matches == 0)
        )


class ErasureReceipt(BaseModel):
    """The receipt of one erasure (or of a dry run: what it would remove)."""

    model_config = ConfigDict(frozen=True)

    erasure_id: str
    """A keyed digest of the request: the same identifiers, scope and reason give the same id."""
    dry_run: bool
    reason: str
    principal: str
    at: str
    identifiers: int
    """How many identifiers were given (never which)."""
    datasets: list[DatasetErasure]
    verification: Verification | None = None
    """None for a dry run (nothing was removed to verify)."""

    @property
    def records(self) -> int:
        """Records removed across datasets."""
        return sum(d.records for d in self.datasets)
