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
certified a block at a time (:func:`_block_rows`): orjson over the block in one map, then the
objects of one shape (keys and their order) column by column, each step a C-level map, not a
Python loop per row: reading 100 MB of tickets took 0.95 instead of 1.23 CPU-s (alternated
runs). The rows are handed on as :class:`FlatRows` runs, which the stream takes a run at a time.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import compress, repeat
from operator import and_, eq, is_, not_, setitem
from typing import Any, Final, cast

import numpy as np
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


_PLAIN: Final = frozenset({str, type(None)})
_CERTIFIED: Final = frozenset({str, type(None), int, bool})
"""Value types certified: integers and booleans are written as text."""
_DIGITS: Final = frozenset({str, int})
"""Types whose ``str`` is their text (not bool's: ``True``, nor None's)."""
_UNSEEN: Final = (-1,)
_dumps: Final = orjson.dumps
_loads: Final = orjson.loads


def _text_positions(kinds: tuple[type, ...]) -> tuple[int, ...] | None:
    positions: tuple[int, ...] | None = ()
    for position, kind in enumerate(kinds):
        if kind not in _CERTIFIED:
            positions = None  # float, list or dict: the reference path decides
            break
        if kind not in _PLAIN:
            positions = (*positions, position)  # type: ignore[misc]
    if len(_TEXT_POSITIONS) < _PLAIN_KEYS_LIMIT:
        _TEXT_POSITIONS[kinds] = positions
    return positions


def _keys_plain(keys: Iterable[str], plain_keys: set[str]) -> bool:
    """Whether no key is named like a value; the keys are remembered (``plain_keys``, bounded)
    so that a file's rows are judged once per new key."""
    if plain_keys.issuperset(keys):
        return True
    if any(looks_like_value(key) for key in keys):
        return False
    if len(plain_keys) < _PLAIN_KEYS_LIMIT:
        plain_keys.update(keys)
    return True


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
    if not _keys_plain(values, plain_keys):
        return None
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
    at a time. Objects with the same keys in the same order (a shape: most lines of a file share
    one) are certified together, column by column (:func:`_canonical`). The colon count that
    finds repeated keys is summed over the block (no line has fewer colons than its count) and
    only redone line by line when the sums differ.
    """
    n = len(lines)
    objects: list[Any] = []
    rest = iter(lines)
    while True:  # orjson over the block in one C-level map; a line it refuses is None
        try:
            objects.extend(map(_loads, rest))
            break
        except orjson.JSONDecodeError:
            objects.append(None)
    is_dict = list(map(is_, map(type, objects), repeat(dict)))
    joined = b"".join(lines)
    if b"\\u003" in joined:
        is_dict = [ok and b"\\u003" not in line for ok, line in zip(is_dict, lines, strict=True)]
    positions = list(compress(range(n), is_dict))
    shapes = list(map(tuple, compress(objects, is_dict)))
    groups = _by_shape(positions, shapes)
    flat: list[dict[str, Any] | None] = [None] * n
    canonical: list[bytes] = [b""] * n
    members = 0
    for shape, group in groups.items():
        if not _keys_plain(shape, plain_keys):
            continue
        rows = [objects[position] for position in group]
        columns = _columns(shape, rows)
        kinds = [set(map(type, column)) for column in columns]
        if not all(kind <= _CERTIFIED for kind in kinds):
            # A value of a type not certified: the reference path reads its line.
            ok = _certified_rows(columns)
            group, rows = list(compress(group, ok)), list(compress(rows, ok))
            if not rows:
                continue
            columns = _columns(shape, rows)
            kinds = [set(map(type, column)) for column in columns]
        certified = _canonical(shape, rows, columns, kinds)
        members += len(shape) * len(rows)
        for position, values, row_bytes in zip(group, rows, certified, strict=True):
            flat[position] = values
            canonical[position] = row_bytes
    colons = members + _colons(b"".join(canonical))
    # The certified lines' colons: the block's less those of the others (few; one join less).
    uncertified = compress(lines, map(is_, flat, repeat(None)))
    if _colons(joined) - sum(map(bytes.count, uncertified, repeat(b":"))) != colons:
        # A repeated key in some line (see _fast_row): find the lines.
        for index, values in enumerate(flat):
            if values is None:
                continue
            if lines[index].count(b":") != len(values) + canonical[index].count(b":"):
                flat[index] = None
    blocks: list[RowBlock] = []
    blank = start = 0
    for stop in [*compress(range(n), map(is_, flat, repeat(None))), n]:
        if stop > start:
            run = cast(list[dict[str, Any]], flat[start:stop])  # no None between two stops
            blocks.append(FlatRows(first + start, run, canonical[start:stop]))
        if stop < n:
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


def _colons(data: bytes) -> int:
    # numpy compares 16 or 32 bytes at a time: four times as fast as bytes.count on a block
    # (0.07 s per 100 MB of tickets).
    return int(np.count_nonzero(np.frombuffer(data, np.uint8) == _COLON))


_COLON: Final = ord(":")


def _by_shape(
    positions: list[int], shapes: list[tuple[str, ...]]
) -> dict[tuple[str, ...], list[int]]:
    """Positions grouped by shape. The first few shapes and their rows are found by C-level
    maps (a file's rows mostly share one; rows that lack a key or bring one make a few others),
    the rows of any further shapes one by one (a loop per row cost 0.1 s per 100 MB of tickets:
    the planted malformed rows leave hardly a block of one shape)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for _ in range(3):
        if not shapes:
            return groups
        first = shapes[0]
        same = list(map(eq, shapes, repeat(first)))
        groups[first] = list(compress(positions, same))
        if len(groups[first]) == len(positions):
            return groups
        others = list(map(not_, same))
        positions, shapes = list(compress(positions, others)), list(compress(shapes, others))
    for position, shape in zip(positions, shapes, strict=True):
        groups.setdefault(shape, []).append(position)
    return groups


def _text(value: Any) -> Any:
    # The texts json.dumps gives: an int's digits, true or false (bool is not int here).
    if type(value) is int:
        return str(value)
    if type(value) is bool:
        return "true" if value else "false"
    return value


def _columns(keys: tuple[str, ...], rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The values of objects that all have ``keys`` (in this order), one list per key."""
    if not keys:
        return []
    return list(map(list, zip(*map(dict.values, rows), strict=True)))


def _certified_rows(columns: list[list[Any]]) -> list[bool]:
    """Whether each row's values are all strings, integers, booleans or nulls."""
    ok = [True] * len(columns[0])
    for column in columns:
        ok = list(map(and_, ok, map(_CERTIFIED.__contains__, map(type, column))))
    return ok


def _canonical(
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    columns: list[list[Any]],
    kinds: list[set[type]],
) -> list[bytes]:
    """The canonical bytes of certified objects that all have ``keys`` (in this order), their
    integers and booleans made text first (in place); ``kinds`` are each column's value types.

    Column by column in C-level maps: the pieces of ``orjson.dumps(sorted(values.items()))``
    (``[["name",``, the value's JSON, ``],["name",`` ..., ``]]``) joined per row, each value
    dumped alone (a string's JSON is the same in or out of an array): the same bytes as that
    call per row, of the exact size.
    """
    if not keys:
        return [b"[]"] * len(rows)
    pieces: list[Iterable[bytes]] = []
    for rank, index in enumerate(sorted(range(len(keys)), key=keys.__getitem__)):
        column = columns[index]
        if not kinds[index] <= _PLAIN:
            # str(value) where it gives the same text (0.1 s per 100 MB less than _text per value)
            column = list(map(str if kinds[index] <= _DIGITS else _text, column))
            deque(map(setitem, rows, repeat(keys[index]), column), maxlen=0)
        pieces.append(repeat((b"],[" if rank else b"[[") + _dumps(keys[index]) + b","))
        pieces.append(map(_dumps, column))
    pieces.append(repeat(b"]]"))
    return list(map(b"".join, zip(*pieces, strict=False)))  # the repeats are endless


def _as_text(values: dict[str, Any], positions: tuple[int, ...]) -> None:
    keys = list(values)
    for position in positions:
        values[keys[position]] = _text(values[keys[position]])


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
