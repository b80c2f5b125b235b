"""JSON Lines: one object per physical line, each bad line refused with a reason, never a value.

Lines are split at CRLF, LF and a lone CR (a raw CR cannot occur inside a JSON string, so no valid
line is cut). A UTF-8 BOM at the start of the file is dropped. Values keep their JSON text (strings
as they are). Refused, each with its own reason: a line nested deeper than the interpreter's
recursion limit (``too_deep``), an integer over Python's digit limit or a NaN, Infinity or
overflowing float (``invalid_number``: it has no faithful JSON text), a lone UTF-16 surrogate escape
(``invalid_unicode``: it cannot be stored as UTF-8), and a key repeated in one object at any depth
(``duplicate_key``: JSON parsers disagree on which value wins, so neither is taken), and a
top-level key named like a value (``value_like_name``, see :mod:`._names`).

Speed: a line is first read by orjson (about ten times faster than the standard library's
decoder with a duplicate-key hook); only a line that is not certified to give exactly the values
of the reference path (:func:`_parse_line`) is read again by it, see :func:`_fast_row`. Lines are
certified a block at a time (:func:`_block_rows`) and handed on as :class:`FlatRows` runs, which
the stream takes a run at a time: parsing about 1.4x and the stream about 1.2x faster than a
call per line and a loop per row (``make bench-raw``, same process).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import compress
from typing import Any, Final, cast

import orjson

from vault_core.ingest._lines import line_blocks, without_bom
from vault_core.ingest._names import looks_like_value
from vault_core.ingest._parsed import (
    BLOCK_ROWS,
    FlatRows,
    ParsedFile,
    ParsedRow,
    RejectReason,
    RowBlock,
)

# A \uD800-\uDFFF escape in the raw line: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _DuplicateKeyError(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKeyError
    return obj


# Built once: json.loads/dumps with options build a new decoder/encoder on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_object)
# allow_nan=False: NaN and infinities have no JSON text (ValueError, refused by the caller).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if type(value) is int:  # the common scalar; same text as the encoder's (bool is not int here)
        return str(value)
    return _ENCODER.encode(value)


def _parse_line(number: int, raw_line: bytes) -> ParsedRow:
    try:
        text = raw_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        detail = f"line is not UTF-8 (byte {exc.start + 1})"
        return ParsedRow(number, None, RejectReason.INVALID_UTF8, detail, raw_line)
    try:
        obj = _DECODER.decode(text)
        if not isinstance(obj, dict):
            detail = f"expected a JSON object, got {type(obj).__name__}"
            return ParsedRow(number, None, RejectReason.NOT_AN_OBJECT, detail, raw_line)
        values = {key: _json_text(value) for key, value in obj.items()}
    except json.JSONDecodeError as exc:
        # Keep only the fixed part of the message (the pure-Python decoder appends the character).
        detail = f"{exc.msg.split(':')[0].removesuffix(' at')} at column {exc.colno}"
        return ParsedRow(number, None, RejectReason.INVALID_JSON, detail, raw_line)
    except _DuplicateKeyError:
        detail = "a key appears twice in one object"
        return ParsedRow(number, None, RejectReason.DUPLICATE_KEY, detail, raw_line)
    except RecursionError:
        detail = "nesting deeper than the recursion limit"
        return ParsedRow(number, None, RejectReason.TOO_DEEP, detail, raw_line)
    except (ValueError, OverflowError):
        # Over 4300 digits (int conversion limit), NaN/Infinity, or a float out of range.
        detail = "number is NaN, infinite, out of float range or has too many digits"
        return ParsedRow(number, None, RejectReason.INVALID_NUMBER, detail, raw_line)
    if any(looks_like_value(key) for key in values):
        detail = "a key is named like a value (e-mail address or long number)"
        return ParsedRow(number, None, RejectReason.VALUE_LIKE_NAME, detail, raw_line)
    if _SURROGATE_ESCAPE.search(raw_line) and any(
        _SURROGATE.search(text) for pair in values.items() for text in pair if text
    ):
        detail = "a lone surrogate escape cannot be stored as UTF-8"
        return ParsedRow(number, None, RejectReason.INVALID_UNICODE, detail, raw_line)
    return ParsedRow(number, values)


_PLAIN_KEYS_LIMIT: Final = 4096
"""Most keys remembered per file as not named like a value (memory stays bounded)."""


_TEXT_POSITIONS: dict[tuple[type, ...], tuple[int, ...] | None] = {}
"""Value types of an object (in key order) -> positions of its integers and booleans (to write
as text), or ``None`` if one is of a type not certified. Objects of a file share a few of these,
so the types are judged once per shape, not once per value."""


_UNSEEN: Final = (-1,)
_dumps: Final = orjson.dumps
_loads: Final = orjson.loads


def _text_positions(kinds: tuple[type, ...]) -> tuple[int, ...] | None:
    positions: tuple[int, ...] | None = ()
    for position, kind in enumerate(kinds):
        if kind is int or kind is bool:
            positions = (*positions, position)  # type: ignore[misc]
        elif kind is not str and kind is not type(None):
            positions = None  # float, list or dict: the reference path decides
            break
    if len(_TEXT_POSITIONS) < _PLAIN_KEYS_LIMIT:
        _TEXT_POSITIONS[kinds] = positions
    return positions


def _fast_row(number: int, raw_line: bytes, plain_keys: set[str]) -> ParsedRow | None:
    """The row :func:`_parse_line` gives a line, or ``None`` to let it read the line.

    Certified here: a flat object (values strings, integers, booleans or nulls) that orjson reads
    whose keys are not named like values, appear once each and hold no escaped colon. orjson is
    strict RFC 8259: it refuses what the reference refuses (bad UTF-8, NaN, lone surrogates,
    control characters) and reads an integer beyond 64 bits as a float, which is not certified.
    It keeps the last of a repeated key, so repeats are found by counting: with no ``\\u003``
    escape in the line, each of its colons separates a member or is in a key or string value, so
    it has more colons than its object's members and their strings only if a key repeats. The
    strings' colons are counted in the row's canonical bytes (made here, used for its id), where
    no other colon occurs. Nested values are not certified (their repeats would not show).
    """
    try:
        values = orjson.loads(raw_line)
    except orjson.JSONDecodeError:
        return None
    if type(values) is not dict or b"\\u003" in raw_line:
        return None
    if not plain_keys.issuperset(values):
        if any(looks_like_value(key) for key in values):
            return None
        if len(plain_keys) < _PLAIN_KEYS_LIMIT:
            plain_keys.update(values)
    kinds = tuple(map(type, values.values()))
    texts = _TEXT_POSITIONS.get(kinds, _UNSEEN)
    if texts is _UNSEEN:
        texts = _text_positions(kinds)
    if texts is None:
        return None
    if texts:
        _as_text(values, texts)
    # canonical_text_row_bytes inlined (a call per row): orjson read the values, so no string
    # holds a lone surrogate, the one case where it takes another path.
    canonical = memoryview(_dumps(sorted(values.items()))).tobytes()
    if raw_line.count(b":") != len(values) + canonical.count(b":"):
        return None  # a repeated key
    return ParsedRow(number, values, None, "", b"", 1, canonical)


def _block_rows(first: int, lines: list[bytes], plain_keys: set[str]) -> tuple[list[RowBlock], int]:
    """The rows of consecutive lines (the first numbered ``first``) and how many are blank.

    The rows :func:`_fast_row` certifies come as :class:`FlatRows` runs, the others are read by
    :func:`_parse_line`: the same rows as a call of those per line, with the work done a block
    at a time (each step one loop or comprehension over the block, about twice as fast). The
    colon count that finds repeated keys is summed over the block (no line has fewer colons
    than its count) and only redone line by line when the sums differ.
    """
    objects: list[Any] = []
    read = objects.append
    for raw_line in lines:
        try:
            read(_loads(raw_line))
        except orjson.JSONDecodeError:
            read(None)
    escaped = b"\\u003" in b"".join(lines)
    flat: list[dict[str, Any] | None] = []
    keep = flat.append
    for raw_line, values in zip(lines, objects, strict=True):
        if type(values) is not dict or (escaped and b"\\u003" in raw_line):
            keep(None)
            continue
        if not plain_keys.issuperset(values):
            if any(looks_like_value(key) for key in values):
                keep(None)
                continue
            if len(plain_keys) < _PLAIN_KEYS_LIMIT:
                plain_keys.update(values)
        kinds = tuple(map(type, values.values()))
        texts = _TEXT_POSITIONS.get(kinds, _UNSEEN)
        if texts is _UNSEEN:
            texts = _text_positions(kinds)
        if texts is None:
            keep(None)
            continue
        if texts:
            _as_text(values, texts)
        keep(values)
    # One copy of the exact size per row, as canonical_text_row_bytes makes (see there).
    canonical = [
        b"" if values is None else memoryview(_dumps(sorted(values.items()))).tobytes()
        for values in flat
    ]
    members = sum(len(values) for values in flat if values is not None)
    certified = [values is not None for values in flat]
    colons = members + b"".join(canonical).count(b":")
    if b"".join(compress(lines, certified)).count(b":") != colons:
        # A repeated key in some line (see _fast_row): find the lines.
        for index, values in enumerate(flat):
            if values is None:
                continue
            if lines[index].count(b":") != len(values) + canonical[index].count(b":"):
                flat[index] = None
    blocks: list[RowBlock] = []
    blank = start = 0
    for stop in [*(i for i, values in enumerate(flat) if values is None), len(lines)]:
        if stop > start:
            run = cast(list[dict[str, Any]], flat[start:stop])  # no None between two stops
            blocks.append(FlatRows(first + start, run, canonical[start:stop]))
        if stop < len(lines):
            raw_line = lines[stop]
            if not raw_line.strip():
                blank += 1
            else:
                row = _parse_line(first + stop, raw_line)
                if blocks and type(last := blocks[-1]) is list:
                    last.append(row)
                else:
                    blocks.append([row])
        start = stop + 1
    return blocks, blank


def _as_text(values: dict[str, Any], positions: tuple[int, ...]) -> None:
    keys = list(values)
    for position in positions:
        value = values[keys[position]]
        # The texts json.dumps gives: an int's digits, true or false.
        values[keys[position]] = str(value) if type(value) is int else "true" if value else "false"


def _rows_one_by_one(
    first: int, lines: list[bytes], parsed: ParsedFile, plain_keys: set[str]
) -> Iterator[list[ParsedRow]]:
    """:func:`_block_rows` line by line; a failure ends the rows after those read before it
    (yielded first), as if they had come one by one."""
    rows: list[ParsedRow] = []
    number = first - 1
    try:
        for raw_line in lines:
            number += 1
            row = _fast_row(number, raw_line, plain_keys)
            if row is None:
                if not raw_line.strip():
                    parsed.blank_lines += 1
                    continue
                row = _parse_line(number, raw_line)
            rows.append(row)
    except Exception:
        if rows:
            yield rows
        raise
    if rows:
        yield rows


def iter_jsonl_blocks(
    chunks: Iterable[bytes], parsed: ParsedFile, block_rows: int = BLOCK_ROWS
) -> Iterator[RowBlock]:
    """The rows of the non-blank lines of the chunks in blocks of at most ``block_rows`` (runs
    of certified rows as :class:`FlatRows`); counts lines into ``parsed`` as it goes. A failure
    no reader foresaw ends the rows after those read before it (yielded first), as if they had
    come one by one."""
    number = 0
    plain_keys: set[str] = set()
    for block in line_blocks(without_bom(chunks), keepends=False):
        parsed.physical_lines += len(block)
        for start in range(0, len(block), block_rows):
            lines = block[start : start + block_rows]
            try:
                blocks, blank = _block_rows(number + 1, lines, plain_keys)
            except Exception:  # line by line: the same failure raised after the rows before it
                yield from _rows_one_by_one(number + 1, lines, parsed, plain_keys)
            else:
                parsed.blank_lines += blank
                yield from blocks
            number += len(lines)


def iter_jsonl(chunks: Iterable[bytes], parsed: ParsedFile) -> Iterator[ParsedRow]:
    """One row per non-blank line of the chunks; counts lines into ``parsed`` as it goes."""
    for block in iter_jsonl_blocks(chunks, parsed):
        yield from block.rows() if isinstance(block, FlatRows) else block


def read_jsonl(data: bytes) -> ParsedFile:
    """One JSON object per line; blank (whitespace-only) lines are counted, not rows."""
    parsed = ParsedFile()
    parsed.rows = list(iter_jsonl([data], parsed))
    return parsed
