"""The reference index: which addresses each dataset's current raw zone uses, in Delta tables.

One Delta table per dataset under one root (``<root>/<dataset>``), so ingests of different
datasets never contend for a commit. Garbage collection reads all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import fsspec
import pyarrow as pa

from vault_core import tables
from vault_core.storage_options import StorageOptions, fsspec_options

__all__ = ["REFS_SCHEMA", "ReferenceIndex", "merge_references", "table_references"]

REFS_SCHEMA = pa.schema([("zone", pa.string()), ("address", pa.string())])


class ReferenceIndex:
    """Per-dataset Delta tables of ``(zone, address)`` rows; rewritten only when they change."""

    def __init__(self, root_url: str, storage_options: StorageOptions | None = None) -> None:
        """Open the index rooted at ``root_url`` (any fsspec URL or local path)."""
        self.root_url = root_url.rstrip("/")
        self._options = storage_options or None

    def record(self, dataset: str, zones: Mapping[str, Iterable[str | None]]) -> None:
        """Replace the references of ``dataset``: zone name -> addresses it uses (None skipped)."""
        if not dataset or "/" in dataset:
            raise ValueError("a dataset name must be non-empty and contain no '/'")
        rows = sorted(
            {
                (zone, address)
                for zone, addresses in zones.items()
                for address in addresses
                if address
            }
        )
        table = pa.table(
            {"zone": [z for z, _ in rows], "address": [a for _, a in rows]}, schema=REFS_SCHEMA
        )
        tables.write_table(self._url(dataset), table, storage_options=self._options)

    def datasets(self) -> list[str]:
        """Datasets that recorded references, sorted."""
        fs, root = fsspec.core.url_to_fs(self.root_url, **fsspec_options(self._options))
        try:
            entries = fs.ls(root, detail=False)
        except FileNotFoundError:
            return []
        names = sorted(str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in entries)
        return [name for name in names if fs.exists(f"{root}/{name}/_delta_log")]

    def addresses(self, dataset: str) -> set[str]:
        """Addresses ``dataset`` references."""
        table = tables.read_table(self._url(dataset), storage_options=self._options)
        return {str(a) for a in table["address"].to_pylist()}

    def load(self) -> dict[str, set[str]]:
        """Dataset -> referenced addresses, for :func:`~vault_core.storage.collect_garbage`."""
        return {dataset: self.addresses(dataset) for dataset in self.datasets()}

    def _url(self, dataset: str) -> str:
        return f"{self.root_url}/{dataset}"


def table_references(
    datasets_url: str,
    columns: Mapping[str, str],
    storage_options: StorageOptions | None = None,
) -> dict[str, set[str]]:
    """Dataset -> addresses named by the current version of its zone tables.

    Reads ``<datasets_url>/<dataset>/<zone>`` column ``columns[zone]`` for every dataset folder
    (zones without a table are skipped). These tables are committed *before* the reference
    index, so a crash between the two commits leaves addresses only they name: garbage
    collection and ``vault verify`` take them as roots too. A table that exists but cannot be
    read raises: roots must never be silently incomplete.
    """
    fs, root = fsspec.core.url_to_fs(datasets_url, **fsspec_options(storage_options))
    try:
        entries = fs.ls(root, detail=False)
    except FileNotFoundError:
        return {}
    found: dict[str, set[str]] = {}
    base = datasets_url.rstrip("/")
    for dataset in sorted(str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries):
        for zone, column in columns.items():
            if not fs.exists(f"{root}/{dataset}/{zone}/_delta_log"):
                continue
            table = tables.read_table(
                f"{base}/{dataset}/{zone}", storage_options=storage_options, columns=[column]
            )
            found.setdefault(dataset, set()).update(str(a) for a in table[column].to_pylist() if a)
    return found


def merge_references(*sources: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Union of several dataset -> addresses mappings."""
    merged: dict[str, set[str]] = {}
    for source in sources:
        for dataset, addresses in source.items():
            merged.setdefault(dataset, set()).update(addresses)
    return merged
