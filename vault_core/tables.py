"""Delta Lake tables of the vault: write only when the content changed, read a version back.

Writes go through ``deltalake`` directly (not dagster-deltalake: see DESIGN.md). Each commit
carries the table's content digest in its commit metadata; writing the same content again is a
no-op, so a rerun over unchanged input leaves every table at the same Delta version.

A derived table also records, in the same commit, the exact versions of the tables it was computed
from (:class:`TableRef`, read back with :func:`inputs_of`). A later stage reads exactly those
versions, never "whatever is latest now": with two runs overlapping, run A's findings are never
applied to run B's newer records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import deltalake
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from vault_core.digest import table_digest
from vault_core.exceptions import TerminalError

DATA_VERSION_KEY = "vault.data_version"
INPUTS_KEY = "vault.inputs"


class TableNotFoundError(TerminalError):
    """A vault table does not exist yet (its asset was never materialized)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"no Delta table at {url!r}: materialize its asset first")


class UnpinnedInputError(TerminalError):
    """A derived table's commit does not say which input versions it was computed from."""

    def __init__(self, url: str, version: int, name: str) -> None:
        self.url, self.version, self.name = url, version, name
        super().__init__(
            f"version {version} of {url!r} does not record which {name!r} version it was computed "
            "from (written before input pinning): materialize its asset again"
        )


@dataclass(frozen=True)
class TableRef:
    """One exact version of a table: its URL, Delta version and content digest."""

    url: str
    delta_version: int
    data_version: str

    def to_json(self) -> dict[str, Any]:
        """JSON form stored in commit metadata."""
        return {
            "url": self.url,
            "delta_version": self.delta_version,
            "data_version": self.data_version,
        }


@dataclass(frozen=True)
class TableWrite:
    """Outcome of :func:`write_table`."""

    url: str
    delta_version: int
    data_version: str
    rows: int
    written: bool

    @property
    def ref(self) -> TableRef:
        """The version this write produced (or found unchanged)."""
        return TableRef(self.url, self.delta_version, self.data_version)


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
    storage_options: dict[str, str] | None = None,
    inputs: Mapping[str, TableRef] | None = None,
) -> TableWrite:
    """Overwrite the table at ``url`` with ``table`` unless it already holds the same content
    computed from the same ``inputs`` (name -> exact input version, recorded in the commit).

    The data version stays the content digest (what the registry verifies on load); the same
    rows computed from other inputs are a new commit that records them.
    """
    digest = table_digest(table)
    metadata = {DATA_VERSION_KEY: digest}
    if inputs:
        pins = {name: ref.to_json() for name, ref in sorted(inputs.items())}
        metadata[INPUTS_KEY] = json.dumps(pins, sort_keys=True)
    if deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        existing = deltalake.DeltaTable(url, storage_options=_options(storage_options))
        latest = existing.history(1)
        if latest and all(latest[0].get(key) == value for key, value in metadata.items()):
            return TableWrite(url, existing.version(), digest, table.num_rows, written=False)
    deltalake.write_deltalake(
        url,
        table,
        mode="overwrite",
        schema_mode="overwrite",
        storage_options=_options(storage_options),
        commit_properties=deltalake.CommitProperties(custom_metadata=metadata),
    )
    version = _commit_of(
        deltalake.DeltaTable(url, storage_options=_options(storage_options)), metadata
    )
    return TableWrite(url, version, digest, table.num_rows, written=True)


def pin(
    url: str, version: int | None = None, storage_options: dict[str, str] | None = None
) -> TableRef:
    """The exact version ``version`` (default: the latest) of the table at ``url``."""
    commit = _commit(url, version, storage_options)
    return TableRef(url, int(commit["version"]), str(commit.get(DATA_VERSION_KEY, "")))


def inputs_of(ref: TableRef, storage_options: dict[str, str] | None = None) -> dict[str, TableRef]:
    """The input versions recorded by the commit of ``ref`` (empty if none were recorded)."""
    raw = _commit(ref.url, ref.delta_version, storage_options).get(INPUTS_KEY)
    if not raw:
        return {}
    return {
        name: TableRef(str(pin["url"]), int(pin["delta_version"]), str(pin["data_version"]))
        for name, pin in json.loads(str(raw)).items()
    }


def input_of(ref: TableRef, name: str, storage_options: dict[str, str] | None = None) -> TableRef:
    """The version of input ``name`` that ``ref`` was computed from.

    Raises:
        UnpinnedInputError: If the commit does not record it.
    """
    found = inputs_of(ref, storage_options).get(name)
    if found is None:
        raise UnpinnedInputError(ref.url, ref.delta_version, name)
    return found


def _commit(
    url: str, version: int | None, storage_options: dict[str, str] | None
) -> dict[str, Any]:
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        raise TableNotFoundError(url)
    table = deltalake.DeltaTable(url, storage_options=_options(storage_options))
    latest = table.version()
    wanted = latest if version is None else version
    for commit in table.history(latest - wanted + 1):
        if int(commit["version"]) == wanted:
            return dict(commit)
    raise TableNotFoundError(f"{url}@v{wanted}")


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
    return open_dataset(url, version=version, storage_options=storage_options).to_table(
        columns=columns
    )


def open_dataset(
    url: str,
    *,
    version: int | None = None,
    storage_options: dict[str, str] | None = None,
    partition_filter: ds.Expression | None = None,
) -> ds.Dataset:
    """The table at ``url`` (latest, or exactly Delta ``version``) as an Arrow dataset to scan
    in batches; ``partition_filter`` prunes files by their partition values."""
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        raise TableNotFoundError(url)
    dt = deltalake.DeltaTable(url, version=version, storage_options=_options(storage_options))
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
    if _is_local(url):
        local, root = pafs.FileSystem.from_uri(dt.table_uri)  # decodes %20 and the like
        dataset = dt.to_pyarrow_dataset(filesystem=pafs.SubTreeFileSystem(root, local))
        return dataset if partition_filter is None else dataset.filter(partition_filter)
    return _in_arrow_memory(dt.to_pyarrow_dataset(), partition_filter)


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


def table_version(url: str, storage_options: dict[str, str] | None = None) -> int | None:
    """Latest Delta version of the table, or None if it does not exist."""
    if not deltalake.DeltaTable.is_deltatable(url, storage_options=_options(storage_options)):
        return None
    return deltalake.DeltaTable(url, storage_options=_options(storage_options)).version()
