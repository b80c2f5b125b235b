"""Delta Lake tables of the vault: write only when the content changed, read a version back.

Writes go through ``deltalake`` directly (not dagster-deltalake: see DESIGN.md). Each commit
carries the table's content digest in its commit metadata; writing the same content again is a
no-op, so a rerun over unchanged input leaves every table at the same Delta version.
(The stages' partitioned tables are written by :mod:`vault_core.partition_tables`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import deltalake
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from vault_core.digest import table_digest
from vault_core.exceptions import TerminalError
from vault_core.storage_options import StorageOptions, delta_options

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


def current_data_version(url: str, storage_options: StorageOptions | None = None) -> str | None:
    """The content digest recorded by the latest commit, or None if there is no table."""
    if not deltalake.DeltaTable.is_deltatable(
        url, storage_options=delta_options(storage_options, url)
    ):
        return None
    table = deltalake.DeltaTable(url, storage_options=delta_options(storage_options, url))
    history = table.history(1)
    value: Any = history[0].get(DATA_VERSION_KEY) if history else None
    return str(value) if value is not None else None


def _commit_of(table: deltalake.DeltaTable, metadata: Mapping[str, str]) -> int:
    """Delta version of the newest commit carrying ``metadata`` (another writer may have committed
    right after ours, so the table's latest version is not necessarily our commit)."""
    for commit in table.history(32):
        if all(commit.get(key) == value for key, value in metadata.items()):
            return int(commit["version"])
    return table.version()


def write_table(
    url: str,
    table: pa.Table,
    *,
    storage_options: StorageOptions | None = None,
) -> TableWrite:
    """Overwrite the table at ``url`` with ``table`` unless it already holds the same content."""
    digest = table_digest(table)
    metadata = {DATA_VERSION_KEY: digest}
    if deltalake.DeltaTable.is_deltatable(url, storage_options=delta_options(storage_options, url)):
        existing = deltalake.DeltaTable(url, storage_options=delta_options(storage_options, url))
        latest = existing.history(1)
        if latest and all(latest[0].get(key) == value for key, value in metadata.items()):
            return TableWrite(url, existing.version(), digest, table.num_rows, written=False)
    deltalake.write_deltalake(
        url,
        table,
        mode="overwrite",
        schema_mode="overwrite",
        storage_options=delta_options(storage_options, url),
        commit_properties=deltalake.CommitProperties(custom_metadata=metadata),
    )
    version = _commit_of(
        deltalake.DeltaTable(url, storage_options=delta_options(storage_options, url)), metadata
    )
    return TableWrite(url, version, digest, table.num_rows, written=True)


def read_table(
    url: str,
    *,
    version: int | None = None,
    storage_options: StorageOptions | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read the table at ``url`` (latest, or exactly Delta ``version``) as Arrow.

    ``columns``: read only these (default all).
    """
    return open_dataset(url, version=version, storage_options=storage_options).to_table(
        columns=columns
    )


def open_dataset(
    url: str,
    *,
    version: int | None = None,
    storage_options: StorageOptions | None = None,
    partition_filter: ds.Expression | None = None,
    dictionary_columns: Sequence[str] = (),
) -> ds.Dataset:
    """The table at ``url`` (latest, or exactly Delta ``version``) as an Arrow dataset to scan
    in batches; ``partition_filter`` prunes files by their partition values.
    ``dictionary_columns`` are read dictionary-encoded (for strings that repeat: each distinct
    value is held once per batch)."""
    if not deltalake.DeltaTable.is_deltatable(
        url, storage_options=delta_options(storage_options, url)
    ):
        raise TableNotFoundError(url)
    dt = deltalake.DeltaTable(
        url, version=version, storage_options=delta_options(storage_options, url)
    )
    # Why not ``dt.to_pyarrow_dataset().to_table()``: by default deltalake reads the Parquet
    # files through a Python filesystem (``PyFileSystem(DeltaStorageHandler)``), so every byte
    # Arrow reads is a Python ``bytes`` object wrapped in an ``arrow::py::PyBuffer``. Arrow's scan
    # finishes on its IO thread pool (pre-buffered reads, future callbacks; even with
    # ``use_threads=False``), and that worker can drop the last reference to such a buffer just
    # after ``to_table`` returned. ``~PyBuffer`` takes the GIL; if the interpreter is finalizing
    # by then, CPython ends the thread with ``pthread_exit``, whose forced unwind runs into a
    # ``noexcept`` C++ destructor: ``std::terminate`` -> "terminate called without an active
    # exception", SIGABRT, exit 134, in about 1 of 5 short CLI runs under load (a core dump
    # showed ``PyThread_exit_thread <- take_gil <- PyGILState_Ensure <- PyBuffer::~PyBuffer <-
    # ReadRangeCache::LazyImpl::~LazyImpl`` on an ``arrow::internal::ThreadPool`` worker). So no
    # Python object may reach Arrow's threads: local tables are read through Arrow's native
    # filesystem, other stores' files are copied into Arrow memory on this thread first.
    read = ds.ParquetReadOptions(dictionary_columns=list(dictionary_columns))
    if _is_local(url):
        local, root = pafs.FileSystem.from_uri(dt.table_uri)  # decodes %20 and the like
        dataset = dt.to_pyarrow_dataset(
            filesystem=pafs.SubTreeFileSystem(root, local), parquet_read_options=read
        )
        return dataset if partition_filter is None else dataset.filter(partition_filter)
    return _in_arrow_memory(dt.to_pyarrow_dataset(parquet_read_options=read), partition_filter)


def _is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def _in_arrow_memory(
    dataset: ds.FileSystemDataset, partition_filter: ds.Expression | None = None
) -> ds.FileSystemDataset:
    """The same dataset over copies of its files in Arrow-owned buffers, read on this thread
    (whole files in memory: meant for remote stores, where no native filesystem is set up)."""
    fragments = []
    for fragment in dataset.get_fragments(filter=partition_filter):
        copy = pa.BufferOutputStream()
        with dataset.filesystem.open_input_file(fragment.path) as source:
            copy.write(source.read())
        fragments.append(
            dataset.format.make_fragment(
                pa.BufferReader(copy.getvalue()),
                partition_expression=fragment.partition_expression,
            )
        )
    return ds.FileSystemDataset(fragments, dataset.schema, dataset.format)


def table_version(url: str, storage_options: StorageOptions | None = None) -> int | None:
    """Latest Delta version of the table, or None if it does not exist."""
    if not deltalake.DeltaTable.is_deltatable(
        url, storage_options=delta_options(storage_options, url)
    ):
        return None
    return deltalake.DeltaTable(url, storage_options=delta_options(storage_options, url)).version()
