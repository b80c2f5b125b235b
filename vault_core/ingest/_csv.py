"""CSV with a header row, read so that no quote, CR or bad byte can swallow or merge rows.

Physical lines are split at CRLF, LF and a lone CR; the csv module then reads them in strict mode.
A row is refused on its own when it has the wrong number of fields, is not UTF-8 or holds a NUL
character (a NUL is the mark of a UTF-16 or binary file read as text). A quote that is never
closed (``unclosed_quote``), text after a closing quote (``malformed_quote``) or a field over
:data:`CSV_FIELD_LIMIT` (``field_too_large``) refuses only the *first* physical line of the row
and reading resumes at the next line, so a stray quote cannot swallow the rows after it. The same
holds for a row spanning several lines with the wrong field count. A well-formed quoted value
may span lines (RFC 4180): its further lines are counted as continuation lines.

The header is the first non-blank line. If it is not UTF-8, not well-formed or holds a NUL
(``invalid_header``), names a column twice (``duplicate_column``: which field is which is
ambiguous) or names a column like a value (``value_like_name``, see :mod:`._names`: a file without
its header row), every non-blank line after it is refused with that reason. Details give line and
column positions, never a value or a column name (a header can be data).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Final

from vault_core.ingest._lines import line_blocks, without_bom
from vault_core.ingest._names import value_like_position
from vault_core.ingest._parsed import ParsedFile, ParsedRow, RejectReason

CSV_FIELD_LIMIT: Final = 16 * 1024 * 1024
"""Largest CSV field read (characters); a larger one refuses its row as ``field_too_large``."""


class _Window:
    """Lines of a file read on demand, kept from the current row on so reading can go back.

    Positions are 0-based line indexes in the file. A bad quote makes the csv module read ahead
    (at most :data:`CSV_FIELD_LIMIT` characters); those lines stay here until the reader has
    moved past them, so memory is bounded by that limit, not by the file.
    """

    def __init__(self, chunks: Iterable[bytes], parsed: ParsedFile) -> None:
        self._blocks = line_blocks(without_bom(chunks), keepends=True)
        self._parsed = parsed
        self.raw: list[bytes] = []
        self.texts: list[str] = []
        self.bad: set[int] = set()  # lines that are not UTF-8 (kept with surrogateescape)
        self.offset = 0  # position of raw[0]
        self.pos = 0
        self.end = 0  # lines read from the file so far

    def _fill(self) -> bool:
        block = next(self._blocks, None)
        if block is None:
            return False
        try:  # the common case: every line is UTF-8, decoded in one comprehension
            texts = [line.decode("utf-8") for line in block]
        except UnicodeDecodeError:
            texts = []
            for index, line in enumerate(block, start=self.end):
                try:
                    texts.append(line.decode("utf-8"))
                except UnicodeDecodeError:
                    texts.append(line.decode("utf-8", "surrogateescape"))
                    self.bad.add(index)
        self.raw.extend(block)
        self.texts.extend(texts)
        self.end += len(block)
        self._parsed.physical_lines = self.end
        return True

    def has(self, position: int) -> bool:
        """Whether the file has a line at ``position`` (reads on if needed)."""
        while position >= self.end:
            if not self._fill():
                return False
        return True

    def __iter__(self) -> _Window:
        return self

    def __next__(self) -> str:
        if self.pos >= self.end and not self.has(self.pos):
            raise StopIteration
        self.pos += 1
        return self.texts[self.pos - 1 - self.offset]

    def line(self, position: int) -> bytes:
        return self.raw[position - self.offset]

    def lines(self, start: int, stop: int) -> bytes:
        return b"".join(self.raw[start - self.offset : stop - self.offset])

    def any_bad(self, start: int, stop: int) -> bool:
        return bool(self.bad) and any(index in self.bad for index in range(start, stop))

    def release(self) -> None:
        """Forget the lines before the current position (in bulk, so it costs O(1) per line)."""
        drop = self.pos - self.offset
        if drop * 2 >= len(self.raw):
            del self.raw[:drop], self.texts[:drop]
            self.offset = self.pos
            if self.bad:
                self.bad = {index for index in self.bad if index >= self.pos}


def _error_reason(exc: csv.Error) -> tuple[RejectReason, str]:
    message = str(exc)  # the csv module's fixed messages; mapped so no text of the file can leak
    if "field limit" in message:
        return RejectReason.FIELD_TOO_LARGE, f"a field is longer than {CSV_FIELD_LIMIT} characters"
    if "unexpected end of data" in message:
        return RejectReason.UNCLOSED_QUOTE, "a quoted field is not closed before the end of file"
    return RejectReason.MALFORMED_QUOTE, "text follows a closing quote inside a field"


def _quarantine_all(
    parsed: ParsedFile, lines: _Window, reason: RejectReason, detail: str
) -> Iterator[ParsedRow]:
    while lines.has(lines.pos):
        raw = lines.line(lines.pos)
        lines.pos += 1
        if raw.strip(b"\r\n"):
            yield ParsedRow(lines.pos, None, reason, detail, raw)
        else:
            parsed.blank_lines += 1
        lines.release()


def _header(parsed: ParsedFile, lines: _Window) -> tuple[list[str] | None, RejectReason, str]:
    """The header's fields (``None`` if unusable) and why it is unusable; moves past it."""
    start = lines.pos
    try:
        header = next(csv.reader(lines, strict=True))
    except csv.Error:
        lines.pos = start + 1
        return None, RejectReason.INVALID_HEADER, "header is not well-formed CSV"
    end = lines.pos
    parsed.header_lines = end - start
    detail = f"header (line {start + 1}) "
    if lines.any_bad(start, end):
        return None, RejectReason.INVALID_HEADER, detail + "is not UTF-8"
    if any("\x00" in name for name in header):
        return None, RejectReason.INVALID_HEADER, detail + "holds a NUL character"
    suspect = value_like_position(header)
    if suspect is not None:
        where = f"names column {suspect} like a value (is the header row missing?)"
        return None, RejectReason.VALUE_LIKE_NAME, detail + where
    positions: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in positions:
            where = f"names columns {positions[name]} and {position} the same"
            return None, RejectReason.DUPLICATE_COLUMN, detail + where
        positions[name] = position
    return header, RejectReason.INVALID_HEADER, ""


def iter_csv(chunks: Iterable[bytes], parsed: ParsedFile) -> Iterator[ParsedRow]:
    """Rows of a CSV file with a header, read from chunks; counts lines into ``parsed``.

    ``parsed.columns`` is set once the header is read. See the module docstring for what is
    refused.
    """
    csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide; the default (128 KiB) is too small
    lines = _Window(chunks, parsed)
    while lines.has(lines.pos) and not lines.line(lines.pos).strip(b"\r\n"):
        parsed.blank_lines += 1
        lines.pos += 1
    if not lines.has(lines.pos):
        return
    header, header_reason, header_detail = _header(parsed, lines)
    lines.release()
    if header is None:
        parsed.header_lines = max(parsed.header_lines, 1)
        detail = f"{header_detail}: every row of the file is quarantined"
        yield from _quarantine_all(parsed, lines, header_reason, detail)
        return
    parsed.columns = header
    yield from _rows(parsed, lines, header)


def read_csv(data: bytes) -> ParsedFile:
    """Rows of a CSV file with a header; see the module docstring for what is refused."""
    parsed = ParsedFile()
    parsed.rows = list(iter_csv([data], parsed))
    return parsed


def _rows(parsed: ParsedFile, lines: _Window, header: list[str]) -> Iterator[ParsedRow]:
    """Rows after the header; each refused row names its reason (see the module docstring)."""
    reader = csv.reader(lines, strict=True)
    width = len(header)
    while lines.has(lines.pos):
        first = lines.pos
        try:
            fields = next(reader)
        except csv.Error as exc:
            # Refuse the first line only and resume right after it: whatever the bad quote
            # took in is read again as rows of its own.
            reason, detail = _error_reason(exc)
            lines.pos = first + 1
            yield ParsedRow(first + 1, None, reason, detail, lines.line(first))
            lines.release()
            continue
        count = lines.pos - first
        if not fields:
            parsed.blank_lines += 1
            lines.release()
            continue
        raw = lines.lines(first, lines.pos) if count > 1 else lines.line(first)
        if lines.any_bad(first, lines.pos):
            reason, detail = RejectReason.INVALID_UTF8, "row is not UTF-8"
        elif len(fields) != width:
            reason, detail = RejectReason.FIELD_COUNT, f"expected {width} fields, got {len(fields)}"
        elif b"\x00" in raw:
            reason, detail = RejectReason.NUL_CHARACTER, "row holds a NUL character"
        else:
            lines.release()
            yield ParsedRow(first + 1, dict(zip(header, fields, strict=True)), lines=count)
            continue
        if count > 1:
            # A refused row that spans lines may have swallowed rows: refuse its first line only
            # and read the others again.
            detail += f" (its quoted field ran over {count} lines; only the first is refused)"
            lines.pos = first + 1
            raw = lines.line(first)
            count = 1
        lines.release()
        yield ParsedRow(first + 1, None, reason, detail, raw, count)
