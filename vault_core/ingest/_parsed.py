"""What a reader makes of one file: its rows (values or refusals) and how its lines were used."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, NamedTuple, TypeAlias

import pyarrow as pa

BLOCK_ROWS: Final = 2048
"""Rows handed on at a time by :func:`in_blocks` and the JSON Lines reader (a loop per block,
not a call per row, in the stream)."""


class RejectReason(StrEnum):
    """Why a row went to quarantine (stable codes; details add position, never a value)."""

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    TOO_DEEP = "too_deep"
    INVALID_NUMBER = "invalid_number"
    INVALID_UNICODE = "invalid_unicode"
    DUPLICATE_KEY = "duplicate_key"
    FIELD_COUNT = "field_count"
    UNCLOSED_QUOTE = "unclosed_quote"
    MALFORMED_QUOTE = "malformed_quote"
    FIELD_TOO_LARGE = "field_too_large"
    NUL_CHARACTER = "nul_character"
    INVALID_HEADER = "invalid_header"
    DUPLICATE_COLUMN = "duplicate_column"
    VALUE_LIKE_NAME = "value_like_name"
    INVALID_UTF8 = "invalid_utf8"
    MISSING_REQUIRED = "missing_required"
    DUPLICATE = "duplicate"
    UNREADABLE_FILE = "unreadable_file"


class ParsedRow(NamedTuple):
    """One row of a file: its values, or why it was refused (``raw`` is kept only to be sealed).

    ``lines`` is how many physical lines the row took (more than one only for a CSV value quoted
    across line breaks); ``line`` is the first of them, 1-based (``None`` for a whole file).
    ``canonical`` is :func:`vault_core.digest.canonical_text_row_bytes` of ``values`` when the
    reader made it already (the JSON Lines reader does, to check keys); else empty.

    A named tuple, not a dataclass: one is made per landing row, about three times faster.
    """

    line: int | None
    values: dict[str, Any] | None
    reason: RejectReason | None = None
    detail: str = ""
    raw: bytes = b""
    lines: int = 1
    canonical: bytes = b""

    def __repr__(self) -> str:  # never the raw bytes nor the values: they can be PII
        return f"ParsedRow(line={self.line!r}, reason={self.reason!r}, lines={self.lines!r})"


class FlatRows(NamedTuple):
    """Rows of consecutive lines that a reader certified as flat text records, as columns of a
    block: ``values[i]`` is the row of line ``first_line + i`` and ``canonical[i]`` its
    :func:`vault_core.digest.canonical_text_row_bytes`. The stream takes them a run at a time
    (comprehensions over the run, not a loop per row); :meth:`rows` gives them one by one.
    """

    first_line: int
    values: list[dict[str, Any]]
    canonical: list[bytes]

    def rows(self) -> Iterator[ParsedRow]:
        """The same rows as :class:`ParsedRow` objects."""
        for offset, (values, canonical) in enumerate(zip(self.values, self.canonical, strict=True)):
            yield ParsedRow(self.first_line + offset, values, None, "", b"", 1, canonical)

    def __repr__(self) -> str:  # never the values: they can be PII
        return f"FlatRows(first_line={self.first_line!r}, rows={len(self.values)!r})"


RowBlock: TypeAlias = list[ParsedRow] | FlatRows
"""What readers hand on at a time: parsed rows, or a run of certified flat rows."""


@dataclass
class ParsedFile:
    """The rows of one file and the line counts that reconcile with them.

    ``physical_lines == header_lines + continuation_lines + blank_lines + len(rows)``: every
    physical line (split at CRLF, LF or a lone CR) is a header line, a blank line, the first line
    of a row, or a further line of a row whose quoted value spans lines. A Parquet file has one
    physical line per row; a file that cannot be parsed at all counts as one line and one row.
    """

    rows: list[ParsedRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    """Columns the file declares even without rows (a CSV header, a Parquet schema)."""
    types: dict[str, pa.DataType] = field(default_factory=dict)
    """Arrow type per column for typed formats (Parquet); text formats leave it empty."""
    physical_lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0

    @property
    def continuation_lines(self) -> int:
        """Lines after the first of rows that span several lines."""
        return sum(row.lines - 1 for row in self.rows)

    def __iter__(self) -> Iterator[ParsedRow]:
        return iter(self.rows)

    def reject(
        self, line: int | None, reason: RejectReason, detail: str, raw: bytes, lines: int = 1
    ) -> None:
        """Add a refused row."""
        self.rows.append(ParsedRow(line, None, reason, detail, raw, lines))


def unreadable(exc: BaseException, data: bytes) -> ParsedFile:
    """A file no reader could parse: one refused row naming the error type only."""
    parsed = ParsedFile(physical_lines=1)
    detail = f"file cannot be parsed ({type(exc).__name__})"
    parsed.reject(None, RejectReason.UNREADABLE_FILE, detail, data)
    return parsed


def in_blocks(rows: Iterable[ParsedRow], block_rows: int = BLOCK_ROWS) -> Iterator[list[ParsedRow]]:
    """``rows`` in lists of at most ``block_rows``. A failure of ``rows`` is raised after the
    rows read before it are yielded, as if they had come one by one."""
    block: list[ParsedRow] = []
    try:
        for row in rows:
            block.append(row)
            if len(block) >= block_rows:
                yield block
                block = []
    except Exception:
        if block:
            yield block
        raise
    if block:
        yield block
