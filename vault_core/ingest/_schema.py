"""One schema for a stream of batches: the unified type per column, and :func:`conform`.

Each batch keeps its own types (it is sealed before later files are read). The unified type of a
column follows the rule of the whole-table ingest: Arrow's permissive promotion of every type
seen (wider integers, integer to float, null to anything), otherwise text. Whether every *value*
fits the promoted type (an int64 over 2**53 does not fit a float64, a uint64 over 2**63 no int64)
is decided from each batch type's smallest and largest value, kept as batches pass: integers,
decimals and temporal values convert or fail by range, so the extremes stand for all values.
A batch type with no such order (lists, structs, maps, binary...) that differs from the promoted
type makes the column text, as no value check can vouch for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vault_core.ingest._records import text
from vault_core.ingest.exceptions import ConformError

_CONVERSION_ERRORS = (pa.ArrowException, ValueError, TypeError, OverflowError)


def _ordered(data_type: pa.DataType) -> bool:
    """Types whose values convert to a wider type or fail by range alone."""
    return bool(
        pa.types.is_integer(data_type)
        or pa.types.is_decimal(data_type)
        or pa.types.is_temporal(data_type)
    )


def _same_kind(source: pa.DataType, target: pa.DataType) -> bool:
    """Conversions that cannot fail on any value."""
    return bool(
        pa.types.is_null(source)
        or (pa.types.is_floating(source) and pa.types.is_floating(target))
        or (
            (pa.types.is_string(source) or pa.types.is_large_string(source))
            and (pa.types.is_string(target) or pa.types.is_large_string(target))
        )
        or (
            (pa.types.is_binary(source) or pa.types.is_large_binary(source))
            and (pa.types.is_binary(target) or pa.types.is_large_binary(target))
        )
    )


@dataclass
class _Extremes:
    low: Any = None
    high: Any = None
    known: bool = True


def _promoted(types: list[pa.DataType]) -> pa.DataType:
    if len(types) == 1:
        return types[0]
    try:
        schemas = [pa.schema([("c", data_type)]) for data_type in types]
        return pa.unify_schemas(schemas, promote_options="permissive").field("c").type
    except _CONVERSION_ERRORS:
        return pa.string()


class TypeTally:
    """Types seen per column (declared by files, or of batches) and the extremes of each."""

    def __init__(self) -> None:
        self._types: dict[str, dict[pa.DataType, _Extremes | None]] = {}

    def declare(self, name: str, data_type: pa.DataType) -> None:
        """A type a file declares for a column (its values, if any, come with a batch)."""
        self._types.setdefault(name, {}).setdefault(data_type, None)

    def add(self, name: str, values: pa.Array | pa.ChunkedArray) -> None:
        """A batch's column: remember its type and its smallest and largest value."""
        seen = self._types.setdefault(name, {})
        extremes = seen.get(values.type) or _Extremes()
        seen[values.type] = extremes
        if not _ordered(values.type) or not extremes.known:
            return
        try:
            low, high = pc.min_max(values).as_py().values()
        except _CONVERSION_ERRORS:
            extremes.known = False
            return
        if low is not None:
            extremes.low = low if extremes.low is None else min(extremes.low, low)
            extremes.high = high if extremes.high is None else max(extremes.high, high)

    def unified(self, name: str) -> pa.DataType:
        """The type every batch's column converts to (text when no other holds every value)."""
        seen = self._types.get(name, {})
        if not seen:
            return pa.string()
        target = _promoted(list(seen))
        if pa.types.is_string(target):
            return target
        for data_type, extremes in seen.items():
            if data_type == target or extremes is None or _same_kind(data_type, target):
                continue
            if not (_ordered(data_type) and extremes.known):
                return pa.string()
            if extremes.low is not None:
                try:
                    pa.array([extremes.low, extremes.high], target)
                except _CONVERSION_ERRORS:
                    return pa.string()
        return target


def _convert(values: pa.ChunkedArray, target: pa.DataType, position: int) -> pa.Array:
    # Through Python values, like the whole-table ingest, so both give the same values.
    items = values.to_pylist()
    try:
        return pa.array(items, target)
    except _CONVERSION_ERRORS as exc:
        if pa.types.is_string(target):
            return pa.array([text(item) for item in items], pa.string())
        raise ConformError(f"column {position} does not fit the unified type {target}") from exc


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``: missing columns as nulls, in order, converted.

    A column whose type differs is converted to the schema's type through its values; to text,
    a value that is not a string becomes its JSON text (strings stay as they are).

    Raises:
        ConformError: ``table`` has a column the schema lacks, or a value that does not fit.
    """
    present = set(table.column_names)
    extra = present - set(schema.names)
    if extra:
        raise ConformError(f"{len(extra)} column(s) of the batch are not in the schema")
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for position, field in enumerate(schema, start=1):
        if field.name not in present:
            arrays.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table[field.name]
        arrays.append(
            column if column.type == field.type else _convert(column, field.type, position)
        )
    return pa.Table.from_arrays(arrays, schema=schema)
