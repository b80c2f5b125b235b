"""Content digests (BLAKE3) for files, tables and record ids: the data versions of the vault."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import blake3
import orjson
import pyarrow as pa

DIGEST_PREFIX = "b3:"


def bytes_digest(data: bytes) -> str:
    """Plain BLAKE3 digest of ``data`` as ``b3:<hex>`` (for public content such as source files)."""
    return DIGEST_PREFIX + blake3.blake3(data).hexdigest()


def table_digest(table: pa.Table) -> str:
    """Digest of a table's schema and values, independent of how it is chunked.

    The caller fixes row order (the vault sorts by ``record_id``). The table is combined into one
    chunk and written as one Arrow IPC batch, so equal tables give equal bytes.
    """
    hasher = blake3.blake3()
    combined = table.combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, combined.schema) as writer:
        for batch in combined.to_batches(max_chunksize=max(combined.num_rows, 1)):
            writer.write_batch(batch)
    hasher.update(memoryview(sink.getvalue()))
    return DIGEST_PREFIX + hasher.hexdigest()


def combine_digests(parts: Mapping[str, str]) -> str:
    """One digest over named digests (e.g. the inputs of a derived version), order-independent."""
    return bytes_digest(json.dumps(dict(sorted(parts.items())), separators=(",", ":")).encode())


def canonical_row_bytes(row: Mapping[str, Any], columns: Iterable[str]) -> bytes:
    """A stable byte form of one row, used to derive its record id."""
    values = [[name, row.get(name)] for name in columns]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass"
    )


def canonical_text_row_bytes(row: Mapping[str, str | None]) -> bytes:
    """:func:`canonical_row_bytes` of a row of text values (str or None) over all its columns.

    The same bytes, about four times faster (the raw stage computes one per landing row): orjson
    writes sorted (name, value) pairs as compact arrays with the escapes of ``json.dumps(...,
    ensure_ascii=False)`` (checked for every code point in tests/core/test_digest.py). A lone
    surrogate, which orjson refuses, takes the reference path.
    """
    try:
        # A copy of the exact size: orjson's bytes keep a buffer of 4 KiB or more (about ten
        # times a landing row's text), and callers keep these bytes (a block of parsed rows, a
        # reject until its batch is sealed).
        return memoryview(orjson.dumps(sorted(row.items()))).tobytes()
    except TypeError:
        return canonical_row_bytes(row, sorted(row))


def keyed_record_id(row_bytes: bytes, key: bytes) -> str:
    """Record id: keyed BLAKE3 of the row, so the id does not let anyone confirm a guessed row."""
    return blake3.blake3(row_bytes, key=key).hexdigest(length=16)


def keyed_record_digest(row_bytes: bytes, key: bytes) -> bytes:
    """The 16 bytes whose hex is :func:`keyed_record_id` (kept to find repeats)."""
    return blake3.blake3(row_bytes, key=key).digest(length=16)


def schema_fingerprint(schema: pa.Schema) -> str:
    """Short digest of column names and types (not metadata): changes mean a breaking change."""
    fields = [[field.name, str(field.type), field.nullable] for field in schema]
    return bytes_digest(json.dumps(fields).encode())[: len(DIGEST_PREFIX) + 16]
