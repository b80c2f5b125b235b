"""Ingest landing files as a stream of record batches: memory follows the batch, not the data.

Files are read as streams (csv, jsonl, txt in chunks; Parquet in record batches) and their rows
go into batches of at most ``batch_rows`` rows read (records plus rejects). Batches are the same
for the same files in the same order, so each can be sealed as one content-addressed object and
a rerun seals the same objects. The rules are those of :func:`vault_core.ingest.ingest` (which
concatenates this stream): every row is a record or a reject, every physical line is counted,
and an exact repeat of an earlier record of the stream is refused as ``duplicate``.

Memory: one batch being filled (and, for Parquet, one record batch being read), one block of
parsed rows (at most a quarter of a batch, see :func:`~vault_core.ingest.readers.iter_row_blocks`),
one chunk, the longest line (a csv row whose quote is not closed is read up to the 16 MiB field
limit), and the ids seen so far for the ``duplicate`` rule (16 bytes each, about 100 bytes per
record with the set's overhead: 10 million records take about 1 GB). A txt document is one row
and is held whole; so is a file no reader can parse, which is quarantined whole up to
:data:`UNREADABLE_RAW_LIMIT`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import methodcaller, not_
from typing import Any, Final

import blake3
import pyarrow as pa
import pyarrow.compute as pc

from vault_core._gc import fewer_collections
from vault_core.digest import canonical_row_bytes, canonical_text_row_bytes
from vault_core.ingest._lines import CHUNK_SIZE
from vault_core.ingest._records import ColumnNames, records_table
from vault_core.ingest._schema import TypeTally
from vault_core.ingest.exceptions import SourceUnavailableError, StreamNotExhaustedError
from vault_core.ingest.readers import (
    FORMATS,
    FlatRows,
    ParsedFile,
    ParsedRow,
    RejectReason,
    RowBlock,
    iter_row_blocks,
)
from vault_core.ingest.sources import (
    DigestingReader,
    SourceFile,
    SourcePath,
    list_source_paths,
    open_source,
)

RECORD_ID = "record_id"

UNREADABLE_RAW_LIMIT: Final = 64 * 1024 * 1024
"""Largest file kept whole in quarantine when it cannot be parsed; a larger one is quarantined
without its bytes (its digest in the stream's sources names it in the landing storage)."""


@dataclass(frozen=True)
class Reject:
    """A refused row: where it came from and why. ``raw`` must only ever be stored sealed."""

    source_url: str
    line: int | None
    reason: RejectReason
    detail: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class FileCounts:
    """How the physical lines of one file were used.

    ``physical_lines == header_lines + continuation_lines + blank_lines + records + rejects``:
    a line is a header line, a blank line, the first line of a row, or a further line of a row
    whose quoted CSV value spans lines. Parquet counts one line per row; a file that cannot be
    parsed counts one line (its single ``unreadable_file`` reject), and so does the unread rest
    of a file whose reading failed after some rows.
    """

    url: str
    physical_lines: int
    header_lines: int
    continuation_lines: int
    blank_lines: int
    records: int
    rejects: int

    @property
    def physical_rows(self) -> int:
        """Rows that start on a line of their own: ``records + rejects + blank_lines``."""
        return self.physical_lines - self.header_lines - self.continuation_lines

    @property
    def reconciles(self) -> bool:
        """Every physical row is a record, a reject or a blank line."""
        return self.physical_rows == self.records + self.rejects + self.blank_lines


@dataclass(frozen=True)
class IngestBatch:
    """One batch of a stream: its records and their origins (both sorted by id), its rejects.

    ``records`` has ``record_id`` first, then the columns its records have, with this batch's
    types; :func:`vault_core.ingest.conform` brings it to the stream's final schema.
    """

    records: pa.Table
    origins: pa.Table
    """``record_id``, ``source_url``, ``source_line``."""
    rejects: list[Reject]


class _Pending:
    """The batch being filled."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.urls: list[str] = []
        self.lines: list[int | None] = []
        self.rejects: list[Reject] = []
        self.keys: set[str] = set()  # source names of its records
        self.types: dict[str, dict[pa.DataType, None]] = {}  # declared by its records' files
        self.files: set[int] = set()  # files with a record here


@dataclass
class _FileState:
    index: int
    source: SourcePath
    parsed: ParsedFile
    rows: int = 0
    records: int = 0
    rejects: int = 0
    continuation: int = 0
    declared: bool = False


def _missing_required(values: dict[str, Any], required: Sequence[str]) -> list[str]:
    return [name for name in required if values.get(name) in (None, "")]


class IngestStream:
    """Iterate to get :class:`IngestBatch` objects (once); after exhaustion, :attr:`sources`,
    :attr:`files`, :attr:`rows_in` and :attr:`columns` are final.

    Created by :func:`ingest_stream`.
    """

    def __init__(
        self,
        paths: list[SourcePath],
        fmt: str,
        *,
        record_key: bytes,
        required_columns: Sequence[str],
        batch_rows: int,
        chunk_size: int,
    ) -> None:
        self.sources: list[SourceFile] = []
        """Every file read so far, in reading order, with its size and digest."""
        self.files: list[FileCounts] = []
        """How the lines of each file read so far were used."""
        self.rows_in = 0
        """Rows read so far: records plus rejects."""
        self._paths = paths
        self._fmt = fmt
        # Copied per row: a keyed hasher made per row cost twice as much (its key setup; 0.2 s
        # per 100 MB of tickets), a copy of this one gives the same digests.
        self._keyed = blake3.blake3(key=record_key)
        self._required = list(required_columns)
        self._required_getters = [methodcaller("get", name) for name in self._required]
        self._batch_rows = batch_rows
        self._chunk_size = chunk_size
        self._names = ColumnNames(RECORD_ID)
        self._order: dict[str, None] = {}  # source names in first-seen order
        self._tally = TypeTally()
        self._seen: set[bytes] = set()
        self._pending = _Pending()
        self._started = False
        self._exhausted = False

    @property
    def exhausted(self) -> bool:
        """Whether every batch has been read."""
        return self._exhausted

    @property
    def columns(self) -> pa.Schema:
        """``record_id`` and every column of the stream, in first-seen order, with the type each
        batch's column converts to (text for csv, jsonl and txt).

        Raises:
            StreamNotExhaustedError: batches are still to be read (a later file may add columns
                or widen a type).
        """
        if not self._exhausted:
            raise StreamNotExhaustedError
        typed = self._fmt == "parquet"
        fields = [pa.field(RECORD_ID, pa.string())]
        for name in self._order:
            final = self._names.final[name]
            fields.append(pa.field(final, self._tally.unified(final) if typed else pa.string()))
        return pa.schema(fields)

    @property
    def physical_rows(self) -> int:
        """Rows of the files read so far counted by line: ``rows_in + blank_lines``."""
        return sum(counts.physical_rows for counts in self.files)

    @property
    def blank_lines(self) -> int:
        """Blank lines of the files read so far (counted, not rows)."""
        return sum(counts.blank_lines for counts in self.files)

    def __iter__(self) -> Iterator[IngestBatch]:
        if self._started:
            raise RuntimeError("an IngestStream is read once; call ingest_stream again")
        self._started = True
        return self._batches()

    def _batches(self) -> Iterator[IngestBatch]:
        with fewer_collections():  # a dict and a tuple per row, see vault_core._gc
            for index, path in enumerate(self._paths):
                yield from self._read_file(index, path)
            if self._pending.ids or self._pending.rejects:
                yield self._flush()
        self._exhausted = True

    def _declare(self, state: _FileState) -> None:
        """The file's columns join the stream's (at its first row, or at its end if rowless)."""
        state.declared = True
        self._names.add(state.parsed.columns)
        self._order.update(dict.fromkeys(state.parsed.columns))
        for name, data_type in state.parsed.types.items():
            self._tally.declare(self._names.final[name], data_type)

    def _whole_file(self, source: SourcePath) -> bytes:
        with open_source(source) as handle:
            data: bytes = handle.read(UNREADABLE_RAW_LIMIT + 1)
        return data if len(data) <= UNREADABLE_RAW_LIMIT else b""

    def _read_file(self, index: int, source: SourcePath) -> Iterator[IngestBatch]:
        state = _FileState(index, source, ParsedFile())
        failures: list[Exception] = []
        with open_source(source) as handle:
            reader = DigestingReader(source, handle)
            blocks = iter_row_blocks(
                reader,
                self._fmt,
                source.url,
                state.parsed,
                whole_file=lambda: self._whole_file(source),
                chunk_size=self._chunk_size,
                batch_rows=self._batch_rows,
            )
            for rows in _guarded(blocks, failures):
                if not state.declared:
                    self._declare(state)
                if isinstance(rows, FlatRows):
                    yield from self._take_flat(state, rows)
                else:
                    yield from self._take(state, rows)
            if reader.error is not None:
                detail = f"{type(reader.error).__name__} reading a file"
                raise SourceUnavailableError(source.label, detail) from reader.error
            source_file = reader.finish(self._chunk_size)
        if failures:
            yield from self._unreadable(state, failures[0])
        elif not state.declared:
            self._declare(state)
        self.sources.append(source_file)
        parsed = state.parsed
        self.files.append(
            FileCounts(
                url=source.url,
                physical_lines=parsed.physical_lines,
                header_lines=parsed.header_lines,
                continuation_lines=state.continuation,
                blank_lines=parsed.blank_lines,
                records=state.records,
                rejects=state.rejects,
            )
        )

    def _unreadable(self, state: _FileState, exc: Exception) -> Iterator[IngestBatch]:
        """A file (or its rest) no reader could parse: one reject naming the error type only."""
        parsed = state.parsed
        if state.rows == 0:  # as a whole file: one line, one reject, no columns
            detail = f"file cannot be parsed ({type(exc).__name__})"
            state.parsed = ParsedFile(physical_lines=1)
        else:
            detail = (
                f"file cannot be parsed after row {state.rows} ({type(exc).__name__}); "
                "the rows before were kept"
            )
            parsed.physical_lines = (
                parsed.header_lines + parsed.blank_lines + state.continuation + state.rows + 1
            )
        raw = self._whole_file(state.source)
        row = ParsedRow(None, None, RejectReason.UNREADABLE_FILE, detail, raw)
        yield from self._take(state, [row])

    def _refuse(
        self, state: _FileState, line: int | None, reason: RejectReason, detail: str, raw: bytes
    ) -> None:
        self._pending.rejects.append(Reject(state.source.url, line, reason, detail, raw))
        state.rejects += 1

    def _take(self, state: _FileState, rows: list[ParsedRow]) -> Iterator[IngestBatch]:
        """Turn rows into records or rejects of the pending batch, yielding each batch filled.

        Runs once per landing row, so the loop keeps what it needs in local names (bound
        methods too) and counts records locally.
        """
        state.rows += len(rows)
        self.rows_in += len(rows)
        seen, required, final = self._seen, self._required, self._names.final
        jsonl, text = self._fmt == "jsonl", self._fmt != "parquet"
        url, batch_rows = state.source.url, self._batch_rows
        pending = self._pending
        ids, records, urls, lines_of = pending.ids, pending.rows, pending.urls, pending.lines
        room = batch_rows - len(ids) - len(pending.rejects)  # rows until the batch is full
        taken = 0  # records, added to state.records before each yield and at the end
        seen_add, keyed = seen.add, self._keyed
        for line, values, reason, detail, raw, lines, row_bytes in rows:
            if lines != 1:
                state.continuation += lines - 1
            room -= 1
            if values is None:
                assert reason is not None
                self._refuse(state, line, reason, detail, raw)
            else:
                if not row_bytes:
                    if text:
                        row_bytes = canonical_text_row_bytes(values)
                    else:  # typed values
                        row_bytes = canonical_row_bytes(values, sorted(values))
                # all(): every required value is present and not empty (a text value is then
                # truthy); only otherwise is the exact rule asked (a typed value may be 0).
                if not all(map(values.get, required)) and (
                    missing := _missing_required(values, required)
                ):
                    detail = f"missing or empty required column(s) {missing}"
                    self._refuse(state, line, RejectReason.MISSING_REQUIRED, detail, row_bytes)
                else:
                    # keyed_record_digest, inlined
                    digest = keyed.copy().update(row_bytes).digest(16)
                    if digest in seen:
                        detail = f"exact repeat of record {digest.hex()}"
                        self._refuse(state, line, RejectReason.DUPLICATE, detail, b"")
                    else:
                        seen_add(digest)
                        if not jsonl:  # every row of the file has the file's columns
                            if state.index not in pending.files:
                                pending.files.add(state.index)
                                pending.keys.update(state.parsed.columns)
                                for name, data_type in state.parsed.types.items():
                                    pending.types.setdefault(name, {})[data_type] = None
                        elif not final.keys() >= values.keys():
                            # jsonl: each object brings its own keys, named as one group (the
                            # batch's keys are gathered when it is flushed)
                            self._names.add(values)
                            self._order.update(dict.fromkeys(values))
                        ids.append(digest.hex())
                        records.append(values)
                        urls.append(url)
                        lines_of.append(line)
                        taken += 1
            if room <= 0:
                state.records += taken
                taken = 0
                yield self._flush()
                pending = self._pending
                ids, records, urls = pending.ids, pending.rows, pending.urls
                lines_of = pending.lines
                room = batch_rows
        state.records += taken

    def _take_flat(self, state: _FileState, flat: FlatRows) -> Iterator[IngestBatch]:
        """:meth:`_take` of certified JSON Lines rows, a run at a time (the rows up to the
        batch's end): ids, required columns, repeats and new column names are checked over the
        run; rows that fail a check are taken one by one, in order, and the rows between them
        appended together."""
        n = len(flat.values)
        state.rows += n
        self.rows_in += n
        keyed, seen, final = self._keyed, self._seen, self._names.final
        start = 0
        while start < n:
            pending = self._pending
            stop = min(n, start + self._batch_rows - len(pending.ids) - len(pending.rejects))
            values = flat.values[start:stop]
            canonical = flat.canonical[start:stop]
            first_line = flat.first_line + start
            # keyed_record_digest, inlined
            digests = [keyed.copy().update(row_bytes).digest(16) for row_bytes in canonical]
            unfilled = [getter for getter in self._required_getters if not all(map(getter, values))]
            distinct = set(digests)
            repeated = len(distinct) != len(digests)
            known = not seen.isdisjoint(distinct)
            new_names = not final.keys() >= set().union(*values)
            if not (unfilled or repeated or known or new_names):
                self._append_records(state, first_line, values, digests)
            else:
                apart = _failing_rows(
                    values, digests, unfilled,
                    repeated=repeated, known=seen.intersection(distinct) if known else set(),
                    names=final.keys() if new_names else None,
                )  # fmt: skip
                self._take_flat_apart(state, first_line, values, canonical, digests, apart)
            start = stop
            if len(pending.ids) + len(pending.rejects) >= self._batch_rows:
                yield self._flush()

    def _append_records(
        self, state: _FileState, first_line: int, values: list[dict[str, Any]], digests: list[bytes]
    ) -> None:
        """Rows whose required columns are filled, ids new (and distinct) and names known."""
        self._seen.update(digests)
        pending = self._pending
        pending.ids.extend(map(bytes.hex, digests))
        pending.rows.extend(values)
        pending.urls.extend(repeat(state.source.url, len(values)))
        pending.lines.extend(range(first_line, first_line + len(values)))
        state.records += len(values)

    def _take_flat_apart(
        self,
        state: _FileState,
        first_line: int,
        values: list[dict[str, Any]],
        canonical: list[bytes],
        digests: list[bytes],
        apart: list[int],
    ) -> None:
        """A run where some rows (``apart``, see :func:`_failing_rows`) fail a check: those one
        by one as :meth:`_take` takes them, the others together."""
        start = 0
        for index in [*apart, len(values)]:
            if index > start:  # none of these meets another row's id or a new name
                self._append_records(
                    state, first_line + start, values[start:index], digests[start:index]
                )
            if index < len(values):
                self._take_flat_row(
                    state, first_line + index, values[index], canonical[index], digests[index]
                )
            start = index + 1

    def _take_flat_row(
        self, state: _FileState, line: int, row: dict[str, Any], row_bytes: bytes, digest: bytes
    ) -> None:
        required = self._required
        if not all(map(row.get, required)) and (missing := _missing_required(row, required)):
            detail = f"missing or empty required column(s) {missing}"
            self._refuse(state, line, RejectReason.MISSING_REQUIRED, detail, row_bytes)
        elif digest in self._seen:
            detail = f"exact repeat of record {digest.hex()}"
            self._refuse(state, line, RejectReason.DUPLICATE, detail, b"")
        else:
            if not self._names.final.keys() >= row.keys():
                self._names.add(row)
                self._order.update(dict.fromkeys(row))
            self._append_records(state, line, [row], [digest])

    def _flush(self) -> IngestBatch:
        pending, self._pending = self._pending, _Pending()
        if self._fmt == "jsonl":
            pending.keys = set().union(*pending.rows)
        order = [name for name in self._order if name in pending.keys]
        types = {name: list(seen) for name, seen in pending.types.items()}
        records = records_table(
            pending.ids, pending.rows, order, types, RECORD_ID, self._names.final
        )
        for name in order:
            final = self._names.final[name]
            self._tally.add(final, records[final])
        origins = pa.table(
            {
                RECORD_ID: records[RECORD_ID],
                "source_url": pa.array(pending.urls, pa.string()),
                "source_line": pa.array(pending.lines, pa.int64()),
            }
        )
        by_id = pc.sort_indices(records[RECORD_ID])  # ids are unique: one order for both
        return IngestBatch(
            records=records.take(by_id), origins=origins.take(by_id), rejects=pending.rejects
        )


def _failing_rows(
    values: list[dict[str, Any]],
    digests: list[bytes],
    unfilled: list[methodcaller],
    *,
    repeated: bool,
    known: set[bytes],
    names: Any,
) -> list[int]:
    """Positions of the rows of a run that fail a check, in order: a required column missing or
    empty (``unfilled``: the getters of the columns some row lacks), an id seen before
    (``known``: those ids), an id repeated within the run (every copy; ``repeated``: some id
    is), a column name not yet known (``names``: the known names' keys view, None when every
    name is known). Only the checks the run failed as a whole are asked row by row, each as
    one pass of C-level iterators over the run (per row in Python, the checks cost as much as
    hashing the rows' ids; issue 13)."""
    rows = range(len(values))
    failing: set[int] = set()
    for getter in unfilled:
        failing.update(compress(rows, map(not_, map(getter, values))))
    bad = set(known)
    if repeated:
        bad.update(digest for digest, count in Counter(digests).items() if count > 1)
    if bad:
        failing.update(compress(rows, map(bad.__contains__, digests)))
    if names is not None:
        failing.update(compress(rows, map(not_, map(names.__ge__, map(dict.keys, values)))))
    return sorted(failing)


def _guarded(blocks: Iterator[RowBlock], failures: list[Exception]) -> Iterator[RowBlock]:
    """The blocks of rows; a reader's failure ends them and is kept (fail closed: no crash)."""
    try:
        yield from blocks
    except Exception as exc:
        failures.append(exc)


def ingest_stream(
    sources: Sequence[str],
    fmt: str,
    *,
    record_key: bytes,
    required_columns: Sequence[str] = (),
    storage_options: dict[str, Any] | None = None,
    batch_rows: int = 20_000,
    chunk_size: int = CHUNK_SIZE,
) -> IngestStream:
    """Stream the rows of every file matching ``sources`` as batches of records and rejects.

    The files are listed now (so a missing source fails here) and read as the stream is
    iterated, each from start to end; see the module docstring for what memory holds.

    Args:
        sources: fsspec URLs or globs (a partition: the URLs of its files). Each glob's files
            are read in sorted order; a file matched twice is read once.
        fmt: ``csv``, ``jsonl``, ``parquet`` or ``txt``.
        record_key: key for record ids (from the key provider, so ids cannot be guessed).
        required_columns: source columns that must be present and non-empty.
        storage_options: fsspec options for ``sources``.
        batch_rows: most rows read (records plus rejects) per batch.
        chunk_size: bytes read at a time from csv, jsonl and txt files.

    Raises:
        SourceNotFoundError: a source matches nothing.
        SourceUnavailableError: the storage cannot be listed (or, while iterating, read).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    if batch_rows < 1 or chunk_size < 1:
        raise ValueError("batch_rows and chunk_size must be positive")
    return IngestStream(
        list_source_paths(sources, storage_options),
        fmt,
        record_key=record_key,
        required_columns=required_columns,
        batch_rows=batch_rows,
        chunk_size=chunk_size,
    )
