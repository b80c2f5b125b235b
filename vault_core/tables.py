"""Delta Lake tables of the vault: write only when the content changed, read a version back.

Writes go through ``deltalake`` directly (not dagster-deltalake: see DESIGN.md). Each commit
carries the table's content digest in its commit metadata; writing the same content again is a
no-op, so a rerun over unchanged input leaves every table at the same Delta version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import deltalake
import pyarrow as pa

from vault_core.digest import table_digest
from vault_core.exceptions import TerminalError

DATA_VERSION_KEY = "vault.data_version"


class TableNotFoundError(TerminalError):
    """A vault table does not exist yet (its asset was never materialized)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"no Delta table at {url!r}: materialize its asset first")


@dataclass(frozen=True)
class TableWrite:
    """Outcome of :func:`write_table`."""

    url: str
    delta_version: int
    data_version: str
    rows: int
    written: bool


def _options(storage_options: dict[str, str] | None) -> dict[str, str] | None:
    return dict(storage_options) if storage_options else None


def current_data_version(url: str, storage_options: dict[str, str] | None = None) -> str | None:
    """The content digest recorded by the latest commit, or None if there is no table."""
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        return None
    table = deltalake.DeltaTable(url, storage_options=_options(storage_options))
    history = table.history(1)
    value: Any = history[0].get(DATA_VERSION_KEY) if history else None
    return str(value) if value is not None else None


def write_table(
    url: str, table: pa.Table, *, storage_options: dict[str, str] | None = None
) -> TableWrite:
    """Overwrite the table at ``url`` with ``table`` unless it already holds the same content."""
    digest = table_digest(table)
    if current_data_version(url, storage_options) == digest:
        existing = deltalake.DeltaTable(url, storage_options=_options(storage_options))
        return TableWrite(url, existing.version(), digest, table.num_rows, written=False)
    deltalake.write_deltalake(
        url,
        table,
        mode="overwrite",
        schema_mode="overwrite",
        storage_options=_options(storage_options),
        commit_properties=deltalake.CommitProperties(custom_metadata={DATA_VERSION_KEY: digest}),
    )
    version = deltalake.DeltaTable(url, storage_options=_options(storage_options)).version()
    return TableWrite(url, version, digest, table.num_rows, written=True)


def read_table(
    url: str,
    *,
    version: int | None = None,
    storage_options: dict[str, str] | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read the table at ``url`` (latest, or exactly Delta ``version``) as Arrow.

    ``columns``: read only these (default all).
    """
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        raise TableNotFoundError(url)
    dt = deltalake.DeltaTable(url, version=version, storage_options=_options(storage_options))
    # Single-threaded scan on purpose: with deltalake 1.6 + pyarrow 25, the threaded dataset
    # scanner (``to_pyarrow_table()``) leaves threads that abort the interpreter at exit about
    # half the time ("terminate called without an active exception", exit 134).
    return dt.to_pyarrow_dataset().to_table(columns=columns, use_threads=False)


def table_version(url: str, storage_options: dict[str, str] | None = None) -> int | None:
    """Latest Delta version of the table, or None if it does not exist."""
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        return None
    return deltalake.DeltaTable(url, storage_options=_options(storage_options)).version()
