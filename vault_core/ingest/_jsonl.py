"""JSON Lines: one object per physical line, each bad line refused with a reason, never a value.

Lines are split at CRLF, LF and a lone CR (a raw CR cannot occur inside a JSON string, so no valid
line is cut). A UTF-8 BOM at the start of the file is dropped. Values keep their JSON text (strings
as they are). Refused, each with its own reason: a line nested deeper than the interpreter's
recursion limit (``too_deep``), an integer over Python's digit limit or a NaN, Infinity or
overflowing float (``invalid_number``: it has no faithful JSON text), a lone UTF-16 surrogate escape
(``invalid_unicode``: it cannot be stored as UTF-8), and a key repeated in one object at any depth
(``duplicate_key``: JSON parsers disagree on which value wins, so neither is taken), and a
top-level key named like a value (``value_like_name``, see :mod:`._names`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from vault_core.ingest._lines import line_blocks, without_bom
from vault_core.ingest._names import looks_like_value
from vault_core.ingest._parsed import ParsedFile, ParsedRow, RejectReason

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


def iter_jsonl(chunks: Iterable[bytes], parsed: ParsedFile) -> Iterator[ParsedRow]:
    """One row per non-blank line of the chunks; counts lines into ``parsed`` as it goes."""
    number = 0
    for block in line_blocks(without_bom(chunks), keepends=False):
        parsed.physical_lines += len(block)
        for raw_line in block:
            number += 1
            if not raw_line.strip():
                parsed.blank_lines += 1
                continue
            yield _parse_line(number, raw_line)


def read_jsonl(data: bytes) -> ParsedFile:
    """One JSON object per line; blank (whitespace-only) lines are counted, not rows."""
    parsed = ParsedFile()
    parsed.rows = list(iter_jsonl([data], parsed))
    return parsed
