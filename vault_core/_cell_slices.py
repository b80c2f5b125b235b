"""Substrings of table cells by character offsets, many at once: ``cells[row][start:end]`` for
arrays of rows and offsets, gathered from the column's bytes with numpy (Arrow's slice kernels
take one start and stop for the whole array)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def cell_slices(
    column: pa.Array | pa.ChunkedArray,
    rows: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    whole: np.ndarray,
) -> tuple[pa.Array, np.ndarray]:
    """``column[row][start:end]`` (Python's slice: character offsets, clipped to the cell) per
    ``rows`` entry, or the whole cell where ``whole``; and which of them come from a cell that is
    neither null nor empty (the slices of the others are empty strings).

    Offsets must not be negative. ASCII cells are sliced on their bytes directly; the offsets
    in the other cells are turned into byte offsets one by one.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = array.cast(pa.large_string())
    size = len(rows)
    if size == 0 or len(array) == 0:
        return pa.array([""] * size, pa.large_string()), np.zeros(size, dtype=bool)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[array.offset :]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )  # fmt: skip
    valid = array.is_valid().to_numpy(zero_copy_only=False)[rows]
    cell_start = offsets[rows]
    cell_end = offsets[rows + 1]
    filled = valid & (cell_end > cell_start)
    length = cell_end - cell_start
    begin = np.where(whole, 0, np.minimum(starts, length))
    stop = np.where(whole, length, np.minimum(ends, length))
    stop = np.maximum(stop, begin)
    ascii_rows = pc.string_is_ascii(array).fill_null(True).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(filled & ~whole & ~ascii_rows[rows])
    if len(other):
        # Character offsets -> byte offsets (Arrow strings are valid UTF-8).
        texts = array.take(pa.array(rows[other])).to_pylist()
        for at, text, start, end in zip(
            other.tolist(), texts, starts[other].tolist(), ends[other].tolist(), strict=True
        ):
            head = len(text[:start].encode("utf-8"))
            begin[at] = head
            stop[at] = head + len(text[start:end].encode("utf-8"))
    lengths = np.where(filled, stop - begin, 0)
    out_offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(lengths, out=out_offsets[1:])
    total = int(out_offsets[-1])
    source = np.repeat(cell_start + begin - out_offsets[:-1], lengths) + np.arange(
        total, dtype=np.int64
    )
    gathered = data[source]
    sliced = pa.Array.from_buffers(
        pa.large_string(), size, [None, pa.py_buffer(out_offsets), pa.py_buffer(gathered)]
    )
    return sliced, filled
