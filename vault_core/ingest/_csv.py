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
from typing import Final

from vault_core.ingest._names import value_like_position
from vault_core.ingest._parsed import ParsedFile, ParsedRow, RejectReason

CSV_FIELD_LIMIT: Final = 16 * 1024 * 1024
"""Largest CSV field read (characters); a larger one refuses its row as ``field_too_large``."""

_BOM = b"\xef\xbb\xbf"


class _Lines:
    """An iterator over lines whose position can be moved back (to resume after a bad row)."""

    def __init__(self, lines: list[str], pos: int) -> None:
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _decode(raw_lines: list[bytes], data: bytes) -> tuple[list[str], set[int]]:
    """Lines as text and the indexes of lines that are not UTF-8 (kept with surrogateescape)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # the common case: one C-speed check, no per-line error handling
        return [line.decode("utf-8") for line in raw_lines], set()
    texts: list[str] = []
    bad: set[int] = set()
    for index, line in enumerate(raw_lines):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(line.decode("utf-8", "surrogateescape"))
            bad.add(index)
    return texts, bad


def _error_reason(exc: csv.Error) -> tuple[RejectReason, str]:
    message = str(exc)  # the csv module's fixed messages; mapped so no text of the file can leak
    if "field limit" in message:
        return RejectReason.FIELD_TOO_LARGE, f"a field is longer than {CSV_FIELD_LIMIT} characters"
    if "unexpected end of data" in message:
        return RejectReason.UNCLOSED_QUOTE, "a quoted field is not closed before the end of file"
    return RejectReason.MALFORMED_QUOTE, "text follows a closing quote inside a field"


def _quarantine_all(
    parsed: ParsedFile, raw_lines: list[bytes], start: int, reason: RejectReason, detail: str
) -> None:
    for index in range(start, len(raw_lines)):
        if raw_lines[index].strip(b"\r\n"):
            parsed.reject(index + 1, reason, detail, raw_lines[index])
        else:
            parsed.blank_lines += 1


def _header(
    parsed: ParsedFile, texts: list[str], bad: set[int], start: int
) -> tuple[list[str] | None, int, RejectReason, str]:
    """The header's fields (``None`` if unusable), the index after it, and why it is unusable."""
    source = _Lines(texts, start)
    try:
        header = next(csv.reader(source, strict=True))
    except csv.Error:
        return None, start + 1, RejectReason.INVALID_HEADER, "header is not well-formed CSV"
    end = source.pos
    parsed.header_lines = end - start
    detail = f"header (line {start + 1}) "
    if bad.intersection(range(start, end)):
        return None, end, RejectReason.INVALID_HEADER, detail + "is not UTF-8"
    if any("\x00" in name for name in header):
        return None, end, RejectReason.INVALID_HEADER, detail + "holds a NUL character"
    suspect = value_like_position(header)
    if suspect is not None:
        where = f"names column {suspect} like a value (is the header row missing?)"
        return None, end, RejectReason.VALUE_LIKE_NAME, detail + where
    positions: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in positions:
            where = f"names columns {positions[name]} and {position} the same"
            return None, end, RejectReason.DUPLICATE_COLUMN, detail + where
        positions[name] = position
    return header, end, RejectReason.INVALID_HEADER, ""


def read_csv(data: bytes) -> ParsedFile:
    """Rows of a CSV file with a header; see the module docstring for what is refused."""
    csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide; the default (128 KiB) is too small
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    raw_lines = data.splitlines(keepends=True)  # bytes: splits at \r\n, \n and \r only
    texts, bad = _decode(raw_lines, data)
    parsed = ParsedFile(physical_lines=len(raw_lines))
    start = 0
    while start < len(raw_lines) and not raw_lines[start].strip(b"\r\n"):
        parsed.blank_lines += 1
        start += 1
    if start == len(raw_lines):
        return parsed
    header, start, header_reason, header_detail = _header(parsed, texts, bad, start)
    if header is None:
        parsed.header_lines = max(parsed.header_lines, 1)
        detail = f"{header_detail}: every row of the file is quarantined"
        _quarantine_all(parsed, raw_lines, start, header_reason, detail)
        return parsed
    parsed.columns = header
    _read_rows(parsed, raw_lines, texts, bad, start, header)
    return parsed


def _read_rows(
    parsed: ParsedFile,
    raw_lines: list[bytes],
    texts: list[str],
    bad: set[int],
    start: int,
    header: list[str],
) -> None:
    """Rows after the header; each refused row names its reason (see the module docstring)."""
    source = _Lines(texts, start)
    reader = csv.reader(source, strict=True)
    width = len(header)
    while source.pos < len(texts):
        first = source.pos
        try:
            fields = next(reader)
        except csv.Error as exc:
            # Refuse the first line only and resume right after it: whatever the bad quote
            # took in is read again as rows of its own.
            reason, detail = _error_reason(exc)
            source.pos = first + 1
            parsed.reject(first + 1, reason, detail, raw_lines[first])
            continue
        lines = source.pos - first
        if not fields:
            parsed.blank_lines += 1
            continue
        raw = b"".join(raw_lines[first : source.pos]) if lines > 1 else raw_lines[first]
        if bad and bad.intersection(range(first, source.pos)):
            reason, detail = RejectReason.INVALID_UTF8, "row is not UTF-8"
        elif len(fields) != width:
            reason, detail = RejectReason.FIELD_COUNT, f"expected {width} fields, got {len(fields)}"
        elif b"\x00" in raw:
            reason, detail = RejectReason.NUL_CHARACTER, "row holds a NUL character"
        else:
            values = dict(zip(header, fields, strict=True))
            parsed.rows.append(ParsedRow(first + 1, values, lines=lines))
            continue
        if lines > 1:
            # A refused row that spans lines may have swallowed rows: refuse its first line only
            # and read the others again.
            detail += f" (its quoted field ran over {lines} lines; only the first is refused)"
            source.pos = first + 1
            raw = raw_lines[first]
        parsed.reject(first + 1, reason, detail, raw)
