"""The findings table of ``detect_table``: distinct cells scanned once, their findings repeated
for every row holding them, declared columns' findings, in table, column and offset order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.finding import DECLARED_DETECTOR, FINDINGS_SCHEMA
from vault_core.pii.hits import DETECTOR_NAMES, ENTITY_NAMES, Hits, Names, ordering
from vault_core.pii.scan import Texts

logger = logging.getLogger(__name__)


def distinct(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct string values of a column (an Arrow array: they are scanned without becoming
    Python strings) and, per row, the index of its value (-1 for nulls and non-string
    columns): each distinct cell is scanned once."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not _is_text(column.type):
        logger.debug("a %s column is not text: not scanned", column.type)
        return pa.array([], pa.large_string()), np.full(len(column), -1, dtype=np.int64)
    encoded = column.cast(pa.large_string()).combine_chunks().dictionary_encode()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary, codes


class AsStrings(Sequence[str]):
    """Texts as Python strings, converted one at a time from an Arrow array when asked."""

    def __init__(self, texts: Texts) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if isinstance(self._texts, pa.Array):
            return str(self._texts[index].as_py())
        return self._texts[index]


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def per_row(hits: Hits, encoded: Sequence[tuple[pa.Array, np.ndarray]]) -> tuple[Hits, np.ndarray]:
    """Hits of the distinct values of several columns (texts numbered across the columns)
    repeated for every row holding the value (``text`` = row), and each one's column number.
    ``encoded``: per column, its distinct values and per row the index of its value (-1:
    none), as :func:`distinct` gives them."""
    if not len(hits):
        return hits, np.zeros(0, dtype=np.int32)
    rows = len(encoded[0][1])
    firsts = np.concatenate(([0], np.cumsum([len(values) for values, _ in encoded])))
    # Each (row, column) holding a value, as the number of that value across the columns.
    cells = np.concatenate(
        [
            np.where(codes >= 0, codes + first, -1)
            for (_, codes), first in zip(encoded, firsts[:-1].tolist(), strict=True)
        ]
    )
    held = np.flatnonzero(cells >= 0)
    held = held[np.argsort(cells[held], kind="stable")]
    counts = np.bincount(cells[held], minlength=int(firsts[-1]))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    repeat = counts[hits.text]
    which = np.repeat(np.arange(len(hits)), repeat)
    within = np.arange(len(which)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    cell = held[starts[hits.text][which] + within]
    expanded = hits.take(which)
    return (
        Hits(cell % rows, expanded.start, expanded.end, expanded.entity, expanded.detector,
             expanded.score),
        (cell // rows).astype(np.int32),
    )  # fmt: skip


def declared_hits(column: pa.ChunkedArray, entity_type: str) -> Hits:
    """One finding spanning each non-blank string cell of a declared column (``text`` = row)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not _is_text(column.type):
        return Hits.empty()
    cells = column.cast(pa.string())
    lengths = pc.utf8_length(cells)
    filled = pc.and_(pc.greater(lengths, 0), pc.invert(pc.utf8_is_space(cells)))
    rows = np.flatnonzero(pc.fill_null(filled, False).to_numpy(zero_copy_only=False))
    count = len(rows)
    return Hits(
        rows.astype(np.int64),
        np.zeros(count, dtype=np.int64),
        pc.take(lengths, pa.array(rows)).to_numpy(zero_copy_only=False).astype(np.int64),
        np.full(count, ENTITY_NAMES.code(entity_type), dtype=np.int32),
        np.full(count, DETECTOR_NAMES.code(DECLARED_DETECTOR), dtype=np.int32),
        np.ones(count, dtype=np.float64),
    )


def findings_table(
    ids: pa.ChunkedArray, columns: Sequence[str], parts: Sequence[tuple[Hits, np.ndarray]]
) -> pa.Table:
    """The :data:`FINDINGS_SCHEMA` table of per-row hits with their column numbers, in table
    order, then column order, then by offset."""
    hits = Hits.concat([part for part, _ in parts])
    number = np.concatenate([np.zeros(0, dtype=np.int32)] + [number for _, number in parts])
    order = ordering(hits.text * max(len(columns), 1) + number, hits.start)
    hits, number = hits.take(order), number[order]
    return pa.Table.from_arrays(
        [
            pc.take(ids, pa.array(hits.text)),
            pa.DictionaryArray.from_arrays(
                pa.array(number, pa.int32()), pa.array(list(columns), pa.string())
            ).cast(pa.string()),
            pa.array(hits.start, pa.int32()),
            pa.array(hits.end, pa.int32()),
            _names(hits.entity, ENTITY_NAMES),
            pa.array(hits.score, pa.float32()),
            _names(hits.detector, DETECTOR_NAMES),
        ],
        schema=FINDINGS_SCHEMA,
    )


def _names(codes: np.ndarray, names: Names) -> pa.Array:
    """Interned codes as an Arrow string array."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(names.names, pa.string())
    ).cast(pa.string())
