"""Texts joined for the columnar pattern pass (:mod:`vault_core.pii.scan`).

:class:`Corpus` is a batch of texts as one UTF-8 buffer, each text after a line break, with the
maps between bytes, characters and texts; :class:`Haystack` is the whole of it or windows of it
around runs of digits, cut into rows for polars (where the detectors' context words occur in it
is :mod:`vault_core.pii.context_words`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.offline import sanitize

if TYPE_CHECKING:
    import polars as pl

SEPARATOR = "\n"
"""Between two texts, and before the first: no pattern crosses it and no lead class holds it."""
NON_ASCII = 0x1A
"""Stands for any non-ASCII character in the per-character codes (the context words and the
classes tested on codes are ASCII)."""
ROW_CHARS = 128 * 1024
"""A haystack is cut into rows of about this many bytes. Polars runs one expression over a
column on one thread whatever its rows (a select's expressions run side by side), but a scan
of one row of a megabyte was slower than of rows this size."""


class Corpus:
    """The texts joined into one string, with the maps between bytes, characters and texts."""

    def __init__(self, raw: bytes, lengths: np.ndarray) -> None:
        """``raw``: the UTF-8 of a line break, then the texts (of ``lengths`` characters) with a
        line break after each but the last, holding neither marker."""
        self.raw = raw
        self.ends = np.cumsum(lengths + len(SEPARATOR))
        self.starts = self.ends - lengths
        self.utf8 = np.frombuffer(raw, dtype=np.uint8)
        self.ascii = raw.isascii()
        # Whether some character code is NON_ASCII (a non-ASCII character, or \x1a): only then
        # do class tests on codes ask Python about some characters.
        self.unsure = not self.ascii or b"\x1a" in raw
        if self.ascii:
            self._char_of_byte: np.ndarray | None = None
            codes = self.utf8
        else:
            leads = (self.utf8 & 0xC0) != 0x80
            self._char_of_byte = np.concatenate(([0], np.cumsum(leads)))
            first = self.utf8[leads]
            codes = np.where(first < 128, first, np.uint8(NON_ASCII))
        # One character code per character (non-ASCII as NON_ASCII), and a line break past
        # the end so that "the character after the last text" exists.
        self.codes = np.concatenate((codes, np.array([10], dtype=np.uint8)))

    @classmethod
    def of_texts(cls, texts: Sequence[str], lengths: np.ndarray | None = None) -> Corpus:
        """The corpus of Python strings (lone surrogates allowed)."""
        # A line break before the first text too: every text follows one (see SEPARATOR).
        joined = SEPARATOR + SEPARATOR.join(texts)
        if "\x01" in joined or "\x02" in joined:
            # The markers must not occur in the text; \x1a belongs to no pattern class either.
            joined = joined.replace("\x01", "\x1a").replace("\x02", "\x1a")
        # polars needs valid UTF-8; replacing lone surrogates keeps every text's length.
        joined = sanitize(joined)
        if lengths is None:
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        corpus = cls(joined.encode("utf-8"), lengths)
        corpus.__dict__["joined"] = joined  # at hand already: the cached property's value
        return corpus

    @classmethod
    def of_array(cls, texts: pa.Array, lengths: np.ndarray) -> Corpus:
        """The corpus of an Arrow string array without nulls: joined by Arrow, never turned
        into Python strings (Arrow strings are valid UTF-8)."""
        data = texts.cast(pa.large_binary())
        one_list = pa.LargeListArray.from_arrays(pa.array([0, len(data)], pa.int64()), data)
        separator = pa.scalar(SEPARATOR.encode(), pa.large_binary())
        raw = separator.as_py() + pc.binary_join(one_list, separator)[0].as_py()
        if b"\x01" in raw or b"\x02" in raw:
            raw = raw.replace(b"\x01", b"\x1a").replace(b"\x02", b"\x1a")
        return cls(raw, lengths)

    @cached_property
    def joined(self) -> str:
        """The joined text as a Python string (decoded when first needed)."""
        return self.raw.decode("utf-8")

    def chars(self, byte_offsets: np.ndarray) -> np.ndarray:
        """Character offsets of byte offsets (at character boundaries) into the joined text."""
        return byte_offsets if self._char_of_byte is None else self._char_of_byte[byte_offsets]

    def bytes_of(self, char_offsets: np.ndarray) -> np.ndarray:
        """Byte offsets of character offsets (up to the length) into the joined text."""
        if self._char_of_byte is None:
            return char_offsets
        result: np.ndarray = self._byte_of_char[char_offsets]
        return result

    def texts_ending(self, byte_ends: np.ndarray) -> np.ndarray:
        """The numbers of the texts holding the characters that end at ``byte_ends`` (byte
        offsets just past a character, as Hyperscan reports a match's end), unique, in order."""
        last = self.chars(byte_ends.astype(np.int64, copy=False)) - 1
        texts: np.ndarray = np.unique(np.searchsorted(self.starts, last, side="right") - 1)
        return texts

    @cached_property
    def _byte_of_char(self) -> np.ndarray:
        leads = np.flatnonzero((self.utf8 & 0xC0) != 0x80)
        return np.concatenate((leads, [len(self.utf8)]))

    @cached_property
    def digit_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Character starts and ends of the maximal runs of ASCII digits."""
        # codes begin and end with a line break: every run has both edges inside.
        is_digit = np.subtract(self.codes, ord("0"), dtype=np.uint8) < 10  # wraps below "0"
        edges = np.flatnonzero(is_digit[1:] != is_digit[:-1])
        edges += 1
        return edges[0::2], edges[1::2]

    @cached_property
    def digit_runs_in_bytes(self) -> tuple[np.ndarray, np.ndarray]:
        """Byte starts and ends of the maximal runs of ASCII digits (as validators read them)."""
        starts, ends = self.digit_runs
        return self.bytes_of(starts), self.bytes_of(ends)

    def whole(self) -> Haystack:
        """The whole joined text as one haystack."""
        # The joined text begins with a line break already.
        return Haystack(self.utf8, np.array([0]), np.array([0]))

    def near_digits(self, least: int, width: int) -> Haystack:
        """The parts of the joined text within ``width + 1`` characters of a run of at least
        ``least`` digits: every match a detector with a match ``width`` characters wide at
        most, holding such a run, can have (see :class:`Haystack`)."""
        starts, ends = self.digit_runs
        if least > 1:
            long = ends - starts >= least
            starts, ends = starts[long], ends[long]
        low = starts - (width + 1)
        np.maximum(low, 0, out=low)
        high = ends + (width + 1)
        np.minimum(high, len(self.codes) - 1, out=high)
        if not len(low):
            return Haystack.windows(self, low, high)
        # Overlapping or touching windows become one. The runs are in order and the windows
        # equally wide, so ``high`` never falls: a window reaching past the previous one's end
        # begins a new one.
        fresh = np.flatnonzero(low[1:] > high[:-1])
        fresh += 1
        first = np.concatenate(([0], fresh))
        last = np.concatenate((fresh - 1, [len(high) - 1]))
        return Haystack.windows(self, low[first], high[last])

    def rows(self) -> list[str]:
        """The joined text cut into rows as :meth:`whole` cuts it (tests)."""
        return self.whole().frame.get_column("text").to_list()

    def before(self, text: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
        """The codes of the ``width`` characters before each span, one row per span (as
        :meth:`after`'s strings: NUL outside the span's text, ``NON_ASCII`` for non-ASCII)."""
        return self._codes(text, start[:, None] + np.arange(-width, 0))

    def after(self, text: np.ndarray, end: np.ndarray, width: int) -> pa.StringArray:
        """Up to ``width`` characters after each span, as written."""
        return self._strings(text, end[:, None] + np.arange(width))

    def _strings(self, text: np.ndarray, picks: np.ndarray) -> pa.StringArray:
        """Characters at each row of ``picks`` (positions into the joined text) as one string
        per row (see :meth:`_codes`)."""
        chars = self._codes(text, picks)
        rows, width = chars.shape
        offsets = np.arange(0, rows * width + 1, width, dtype=np.int32)
        return pa.StringArray.from_buffers(
            rows, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))
        )

    def _codes(self, text: np.ndarray, picks: np.ndarray) -> np.ndarray:
        """Codes of the characters at each row of ``picks`` (positions into the joined text):
        positions outside the row's own text become NUL, non-ASCII characters ``NON_ASCII``."""
        valid = (picks >= self.starts[text][:, None]) & (picks < self.ends[text][:, None])
        chars: np.ndarray = np.where(valid, self.codes[np.clip(picks, 0, len(self.codes) - 1)], 0)
        return chars.astype(np.uint8)


class Haystack:
    """Windows of a corpus's joined text, each after a line break, cut into rows for polars.

    A detector scanned in windows instead of the whole text finds the same matches when every
    match holds a run of digits its window was built around and is at most ``width``
    characters wide (:meth:`Corpus.near_digits`): each match then lies inside one window with
    a character to spare on each side, no match of the whole text crosses a window's edge,
    and the line break between windows breaks every pattern and digit run. So leftmost-first
    matching meets the same matches in the same order."""

    def __init__(self, data: np.ndarray, content: np.ndarray, origin: np.ndarray) -> None:
        self._data = data
        self.size = len(data)
        # Where each window's bytes begin in the haystack and in the joined text.
        self.content = content
        self.origin = origin

    @classmethod
    def windows(cls, corpus: Corpus, low: np.ndarray, high: np.ndarray) -> Haystack:
        """The characters ``[low[i], high[i])`` of the joined text, each after a line break."""
        origin, finish = corpus.bytes_of(low), corpus.bytes_of(high)
        content = np.cumsum(finish - origin + 1) - (finish - origin)
        if not len(origin):
            return cls(np.zeros(0, dtype=np.uint8), content, origin)
        # Each window with the byte before it (windows never touch, so these never overlap):
        # the rows of an Arrow array over the joined text, taken by Arrow's C++ in one call,
        # give the haystack's bytes with a stray byte where each line break goes. A third of
        # the time of joining Python slices (one bytes object per window; 42 -> 15 ms per 20
        # MB of tickets), and Arrow's join or a numpy gather were slower still.
        lead = origin[0] == 0  # the joined text's own first byte: no byte before it
        bounds = np.empty(2 * len(origin) + 1, dtype=np.int64)
        bounds[0] = 0
        bounds[1::2] = origin - 1
        bounds[2::2] = finish
        if lead:
            bounds[1] = 0
        buffers = [None, pa.py_buffer(bounds), pa.py_buffer(corpus.raw)]
        rows = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(bounds) - 1, buffers)
        taken = rows.take(pa.array(np.arange(1, len(bounds) - 1, 2)))
        size = int(np.frombuffer(taken.buffers()[1], dtype=np.int64)[-1])
        data = np.frombuffer(taken.buffers()[2], dtype=np.uint8)[:size]  # Arrow's own copy
        if lead:
            data = np.concatenate((np.array([10], dtype=np.uint8), data))
        elif not data.flags.writeable:
            data = data.copy()
        data[content - 1] = ord(SEPARATOR)
        return cls(data, content, origin)

    @cached_property
    def data(self) -> bytes:
        """The haystack's bytes."""
        return self._data.tobytes()

    @cached_property
    def _row_bounds(self) -> np.ndarray:
        """Where the rows of :attr:`frame` begin in the haystack, and its size: rows of about
        ``ROW_CHARS`` bytes, cut before line breaks."""
        raw = self.data
        bounds = [0]
        while bounds[-1] + ROW_CHARS < len(raw):
            cut = raw.find(b"\n", bounds[-1] + ROW_CHARS)
            if cut < 0:
                break
            bounds.append(cut)
        bounds.append(len(raw))
        return np.array(bounds, dtype=np.int64)

    @cached_property
    def frame(self) -> pl.DataFrame:
        """The haystack as a polars frame, rows of about ``ROW_CHARS`` bytes."""
        import polars as pl

        rows = pa.LargeStringArray.from_buffers(
            len(self._row_bounds) - 1, pa.py_buffer(self._row_bounds), pa.py_buffer(self._data)
        )
        return pl.DataFrame({"text": pl.Series(rows)})

    def offsets(self, found: pl.Series) -> np.ndarray:
        """Byte offsets into the haystack of what ``str.find_many`` found in :attr:`frame`'s
        rows (a list of byte offsets per row)."""
        within, row, _ = _found(found)
        result: np.ndarray = self._row_bounds[row] + within
        return result

    def marked_spans(self, found: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Byte spans into the joined text of the values a scan of :attr:`frame` wrapped in two
        marker characters, given where ``str.find_many`` found the markers in each marked
        row (polars finds them: no marked copy comes back to Python)."""
        within, row, first = _found(found)
        # A row's k-th marker stands k bytes after its place in the row without markers.
        before = np.arange(len(within)) - first[row]
        at = self._row_bounds[row] + within - before
        return self.to_corpus(at[0::2], at[1::2])

    def to_corpus(self, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Byte offsets into the joined text of spans ``[start, end)`` of the haystack."""
        window = np.searchsorted(self.content, start, side="right") - 1
        shift = self.origin[window] - self.content[window]
        return start + shift, end + shift


def _found(found: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``str.find_many`` result flattened: each byte offset within its row, its row, and
    per row the index of its first offset."""
    array = found.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    # Read off the Arrow buffers (a large list of uint32, no nulls): a third of the time of
    # converting its offsets and flattened values through pyarrow.
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    values = array.values
    data = np.frombuffer(values.buffers()[1], dtype=np.uint32)[values.offset :]
    within = data[offsets[0] : offsets[-1]].astype(np.int64)
    first = offsets[:-1] - offsets[0]
    return within, np.repeat(np.arange(len(array)), np.diff(offsets)), first
