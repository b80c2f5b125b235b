"""Rewrite spans of many string cells at once, on their UTF-8 bytes.

A Python loop that slices each text and joins the pieces costs a few hundred nanoseconds per
span; with hundreds of thousands of spans per batch that was a large part of the anonymized
stage (issue 13). Here the cells stay one UTF-8 buffer: character offsets become byte offsets
with NumPy, and the output is one Arrow ``take`` of the buffer's pieces between spans and of
the replacements (no per-byte index array, so memory stays about twice the cells' bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Ints = npt.NDArray[np.int64]


class CellBytes:
    """Non-null string cells as one UTF-8 buffer, with character offsets mapped to bytes.

    Offsets are Python ``str`` indices (code points), which on valid UTF-8 (every Arrow string)
    are counts of lead bytes.
    """

    def __init__(self, texts: pa.Array) -> None:
        texts = texts.cast(pa.large_string())
        if texts.null_count:
            raise ValueError("CellBytes takes non-null cells only")
        count = len(texts)
        _, offsets_buffer, data_buffer = texts.buffers()
        offsets = np.frombuffer(offsets_buffer, np.int64)[texts.offset : texts.offset + count + 1]
        low, high = int(offsets[0]), int(offsets[-1])
        self.data = b"" if data_buffer is None else memoryview(data_buffer)[low:high].tobytes()
        self.offsets: Ints = offsets - low
        self.texts = texts
        as_array = np.frombuffer(self.data, np.uint8)
        self._leads: Ints | None = None
        if as_array.size and bool((as_array >= 0x80).any()):
            leads = np.flatnonzero((as_array & 0xC0) != 0x80)
            self._leads = np.append(leads, len(self.data)).astype(np.int64)
            self._first_char: Ints = np.searchsorted(leads, self.offsets[:-1]).astype(np.int64)

    def byte_offsets(self, cells: Ints, chars: Ints) -> Ints:
        """Byte offsets into :attr:`data` of characters ``chars`` of cells ``cells`` (a
        character offset may be the cell's length: its end)."""
        if self._leads is None:  # ASCII: one byte per character
            return self.offsets[cells] + chars
        found: Ints = self._leads[self._first_char[cells] + chars]
        # At a cell's end the next lead byte may lie after empty cells: clamp to the cell.
        clamped: Ints = np.minimum(found, self.offsets[cells + 1])
        return clamped

    def value(self, start: int, end: int) -> str:
        """The text between two byte offsets."""
        return self.data[start:end].decode("utf-8")

    def splice(
        self, bounds: Ints, starts: Ints, ends: Ints, pieces: Sequence[bytes], piece_of: Ints
    ) -> pa.Array:
        """Every cell with its spans replaced: cell ``k`` holds the disjoint spans
        ``bounds[k]:bounds[k + 1]`` (byte offsets ``starts``/``ends``, sorted, at least one per
        cell), span ``j`` becomes ``pieces[piece_of[j]]``. Returns a ``large_string`` array."""
        cells, spans = len(bounds) - 1, len(starts)
        if cells == 0:
            return pa.array([], pa.large_string())
        sizes = np.diff(bounds)
        cell_of = np.repeat(np.arange(cells), sizes)
        piece_sizes = np.array([len(piece) for piece in pieces], np.int64)
        # The cells' bytes cut at every span's start and end are tiles that follow each other
        # (per cell: kept text, span, kept text, ..., tail; cells are contiguous): one Arrow
        # array over the same buffer, the pieces as tiles after them. The output is those
        # tiles taken in order, spans swapped for their pieces, by one Arrow ``take`` (a Python
        # slice per segment and a join cost ~25 ms per 20k rows of tickets).
        tiles = 2 * spans + cells
        position = 2 * np.arange(spans) + cell_of  # kept text before span j; j is next
        tails = 2 * bounds[1:] + np.arange(cells)
        previous_end = np.r_[0, ends[:-1]]
        previous_end[bounds[:-1]] = self.offsets[:-1]
        tile_start = np.empty(tiles, np.int64)
        tile_start[position], tile_start[position + 1] = previous_end, starts
        tile_start[tails] = ends[bounds[1:] - 1]
        piece_start = len(self.data) + np.r_[0, np.cumsum(piece_sizes)].astype(np.int64)
        source = pa.LargeStringArray.from_buffers(
            tiles + len(pieces),
            pa.py_buffer(np.r_[tile_start, piece_start].astype(np.int64).tobytes()),
            pa.py_buffer(self.data + b"".join(pieces)),
        )
        order = np.arange(tiles, dtype=np.int64)
        order[position + 1] = tiles + piece_of
        taken = source.take(pa.array(order))
        _, taken_offsets, out = taken.buffers()
        ends_at = np.frombuffer(taken_offsets, np.int64)[taken.offset : taken.offset + tiles + 1]
        # Cell k ends where its tail (tile tails[k]) ends.
        offsets = ends_at[np.r_[0, tails + 1]] - ends_at[0]
        data = pa.py_buffer(b"") if out is None else out.slice(int(ends_at[0]))
        return pa.LargeStringArray.from_buffers(
            cells, pa.py_buffer(offsets.astype(np.int64).tobytes()), data
        )
