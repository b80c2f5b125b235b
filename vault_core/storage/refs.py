"""The reference index: which addresses each dataset's current raw zone uses, in Delta tables.

One Delta table per dataset under one root (``<root>/<dataset>``), so ingests of different
datasets never contend for a commit. Garbage collection reads all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import fsspec
import pyarrow as pa

from vault_core import tables

__all__ = ["REFS_SCHEMA", "ReferenceIndex"]

REFS_SCHEMA = pa.schema([("zone", pa.string()), ("address", pa.string())])


class ReferenceIndex:
    """Per-dataset Delta tables of ``(zone, address)`` rows; rewritten only when they change."""

    def __init__(self, root_url: str, storage_options: dict[str, str] | None = None) -> None:
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
        fs, root = fsspec.core.url_to_fs(self.root_url, **(self._options or {}))
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
