"""Delta tables written one partition at a time, from a stream of record batches.

A write replaces exactly one partition (a ``partition`` column, Delta ``partition_by`` plus a
predicate overwrite): the other partitions' files are untouched, and partitions of one table can
be written by parallel steps. The batches stream through deltalake's writer, so memory follows
the batch size. If the producer fails (an audit refusing a batch, say), nothing is committed and
its own exception is raised.

A partition's data version is the digest of its data files' bytes at that Delta version (files
are immutable; deltalake does not keep row order, so a digest of rows in write order could not
be checked later). :func:`table_digest_by_files` combines them for a whole version: what the
registry verifies when it loads a partitioned version.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import blake3
import deltalake
import fsspec
import pyarrow as pa
import pyarrow.dataset as ds

from vault_core.digest import DIGEST_PREFIX, combine_digests
from vault_core.exceptions import VaultError
from vault_core.storage_options import StorageOptions, delta_options, fsspec_options
from vault_core.tables import TableNotFoundError, open_dataset

PARTITION = "partition"
_WRITE_KEY = "vault.write"
_PARTITION_KEY = "vault.partition"


@dataclass(frozen=True)
class PartitionWrite:
    """Outcome of :func:`write_partition`."""

    url: str
    partition: str
    delta_version: int
    rows: int
    data_version: str


def _quoted(partition: str) -> str:
    return "'" + partition.replace("'", "''") + "'"


def write_partition(
    url: str,
    schema: pa.Schema,
    batches: Iterable[pa.RecordBatch],
    partition: str,
    *,
    storage_options: StorageOptions | None = None,
) -> PartitionWrite:
    """Replace partition ``partition`` of the table at ``url`` with ``batches`` (one commit).

    ``schema`` must have the :data:`PARTITION` column; every batch must carry ``partition`` in
    it. New columns are merged into the table's schema.
    """
    nonce = uuid.uuid4().hex
    writer = _Writer(url, schema, partition, nonce, storage_options)
    rows = writer.feed(batches)
    version = _committed_version(url, nonce, storage_options)
    digest = partition_digest(url, version, partition, storage_options=storage_options)
    return PartitionWrite(url, partition, version, rows, digest)


class CommitNotFoundError(VaultError):
    """A write committed, but its commit could not be found in the table's log."""


def _committed_version(url: str, nonce: str, storage_options: StorageOptions | None) -> int:
    """The version of the commit that carries ``nonce``, read from the commit files' names.

    Not ``DeltaTable.history()``: with another process committing to the same table at the same
    moment, deltalake numbered the history by position and gave the version before ours (seen
    in about one write in five with two writers), so the next stage read the partition at a
    version that did not hold it yet, and found it empty.
    """
    fs, log = fsspec.core.url_to_fs(
        f"{url.rstrip('/')}/_delta_log", **fsspec_options(storage_options)
    )
    commits = sorted(
        (int(name.rsplit("/", 1)[-1][:-5]) for name in fs.ls(log, detail=False)
         if name.endswith(".json") and name.rsplit("/", 1)[-1][:-5].isdigit()),
        reverse=True,
    )  # fmt: skip
    for version in commits[:_COMMITS_SEARCHED]:
        text = fs.cat_file(f"{log}/{version:020d}.json").decode("utf-8")
        if nonce in text:  # a uuid4 hex: only our commitInfo carries it
            return version
    raise CommitNotFoundError(
        f"the write to {url} committed, but its commit is not among the last "
        f"{_COMMITS_SEARCHED} versions: rerun the step"
    )


_COMMITS_SEARCHED = 1000


class _Stop:
    """Queue items that end the stream: normally (``failed`` False) or because the producer
    failed (the writer then aborts, and nothing is committed)."""

    def __init__(self, *, failed: bool) -> None:
        self.failed = failed


class _WriterAborted(Exception):
    """Raised into deltalake's writer to abort it when the producer failed."""


class _Writer:
    """deltalake's writer on its own thread, fed through a small queue.

    Why a thread: deltalake pulls the batches from inside its async runtime, and anything the
    producer calls into deltalake there (reading the manifest or findings of the partition)
    panics ("Cannot start a runtime from within a runtime"). Here the producer runs on the
    calling thread and only finished batches cross over; the queue holds at most two, so memory
    stays bounded, and producing the next batch overlaps with writing the last.

    The producer must not call deltalake while the writer runs either: a ``DeltaTable(...)`` on
    the calling thread while ``write_deltalake`` waited for its first batch deadlocked once (both
    threads idle, in a CI run). The stages read what they need from Delta before they feed.
    """

    def __init__(
        self,
        url: str,
        schema: pa.Schema,
        partition: str,
        nonce: str,
        storage_options: StorageOptions | None,
    ) -> None:
        self._queue: queue.Queue[pa.RecordBatch | _Stop] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._args = (url, schema, partition, nonce, storage_options)
        self._thread = threading.Thread(target=self._write, name="vault-delta-writer")

    def _batches(self) -> Iterator[pa.RecordBatch]:
        while True:
            item = self._queue.get()
            if isinstance(item, _Stop):
                if item.failed:
                    raise _WriterAborted
                return
            yield item

    def _write(self) -> None:
        url, schema, partition, nonce, storage_options = self._args
        try:
            deltalake.write_deltalake(
                url,
                pa.RecordBatchReader.from_batches(schema, self._batches()),
                mode="overwrite",
                predicate=f"{PARTITION} = {_quoted(partition)}",
                partition_by=[PARTITION],
                schema_mode="merge",
                storage_options=delta_options(storage_options, url),
                commit_properties=deltalake.CommitProperties(
                    custom_metadata={_WRITE_KEY: nonce, _PARTITION_KEY: partition}
                ),
            )
        except BaseException as exc:  # handed to the calling thread
            self._error = exc

    def _put(self, item: pa.RecordBatch | _Stop) -> None:
        while self._thread.is_alive():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def feed(self, batches: Iterable[pa.RecordBatch]) -> int:
        """Write ``batches`` as one commit; return the row count. Re-raises the producer's
        exception (nothing committed) or the writer's."""
        self._thread.start()
        rows = 0
        try:
            for batch in batches:
                rows += batch.num_rows
                self._put(batch)
        except BaseException:
            self._put(_Stop(failed=True))
            self._thread.join()
            raise
        self._put(_Stop(failed=False))
        self._thread.join()
        if self._error is not None:
            raise self._error
        return rows


def partition_files(
    url: str, version: int, storage_options: StorageOptions | None = None
) -> dict[str, list[str]]:
    """Partition -> the URLs of its data files at Delta ``version``."""
    if not deltalake.DeltaTable.is_deltatable(
        url, storage_options=delta_options(storage_options, url)
    ):
        raise TableNotFoundError(url)
    table = deltalake.DeltaTable(
        url, version=version, storage_options=delta_options(storage_options, url)
    )
    actions = pa.table(table.get_add_actions(flatten=True))
    paths = actions["path"].to_pylist()
    column = f"partition.{PARTITION}"
    keys = actions[column].to_pylist() if column in actions.column_names else [None] * len(paths)
    root = table.table_uri.rstrip("/")
    found: dict[str, list[str]] = {}
    for path, key in zip(paths, keys, strict=True):
        found.setdefault(str(key), []).append(f"{root}/{path}")
    return found


def _files_digest(files: Iterable[str], storage_options: StorageOptions | None) -> str:
    digests = []
    for file_url in files:
        hasher = blake3.blake3()
        with fsspec.open(file_url, "rb", **fsspec_options(storage_options)) as handle:
            while chunk := handle.read(8 << 20):
                hasher.update(chunk)
        digests.append(hasher.hexdigest())
    return DIGEST_PREFIX + blake3.blake3("\n".join(sorted(digests)).encode()).hexdigest()


def partition_digest(
    url: str, version: int, partition: str, *, storage_options: StorageOptions | None = None
) -> str:
    """Digest of partition ``partition``'s data files at Delta ``version``."""
    files = partition_files(url, version, storage_options).get(partition, [])
    return _files_digest(files, storage_options)


def table_digest_by_files(
    url: str, version: int, storage_options: StorageOptions | None = None
) -> str:
    """Digest of a whole Delta version: its partitions' digests combined."""
    files = partition_files(url, version, storage_options)
    return combine_digests(
        {key: _files_digest(paths, storage_options) for key, paths in files.items()}
    )


def combine_partitions(digests: dict[str, str]) -> str:
    """The whole table's data version from its partitions' (what :func:`table_digest_by_files`
    computes from the files)."""
    return combine_digests(digests)


_WHOLE_ROW_GROUP = 1 << 24
"""Rows per scanned batch when a partition is read whole: more than a row group holds (the
writer's are at most ~1M rows). Arrow decodes a row group whole and, at its default 131,072
rows, returned it as slices sharing the row group's buffers: a table that crossed a process
boundary (pickle sends each chunk's whole buffers) arrived twice its size (178 MB of buffers
for a 91 MB partition of 257k rows in the check child)."""


def read_partition(
    url: str,
    partition: str,
    *,
    version: int | None = None,
    columns: list[str] | None = None,
    row_filter: ds.Expression | None = None,
    storage_options: StorageOptions | None = None,
    dictionary_columns: Sequence[str] = (),
) -> pa.Table:
    """One partition's rows as a table (for what is small: manifests' addresses, findings);
    ``dictionary_columns`` come dictionary-encoded (see :func:`vault_core.tables.open_dataset`)."""
    only = ds.field(PARTITION) == partition
    dataset = open_dataset(
        url, version=version, storage_options=storage_options, partition_filter=only,
        dictionary_columns=dictionary_columns,
    )  # fmt: skip
    condition = only if row_filter is None else only & row_filter
    return dataset.to_table(columns=columns, filter=condition, batch_size=_WHOLE_ROW_GROUP)


def vacuum(url: str, retention_hours: int, storage_options: StorageOptions | None = None) -> int:
    """Delete files no version newer than ``retention_hours`` uses; return how many."""
    if not deltalake.DeltaTable.is_deltatable(
        url, storage_options=delta_options(storage_options, url)
    ):
        return 0
    table = deltalake.DeltaTable(url, storage_options=delta_options(storage_options, url))
    removed = table.vacuum(
        retention_hours=retention_hours, enforce_retention_duration=False, dry_run=False
    )
    return len(removed)
