"""k-anonymity over quasi-identifier columns: generalize step by step, then suppress rows.

A greedy full-domain search in the spirit of Datafly: while the rows in classes smaller than k
are more than ``max_suppressed`` of the table, coarsen the quasi-identifier with the most
distinct values by one level; then drop the rows still in small classes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault_core.pii.exceptions import KAnonymityError

SUPPRESSED = "*"
_NUMERIC_BANDS = (5, 10, 20, 50, 100)


class KAnonymity(BaseModel):
    """Make every combination of quasi-identifier values shared by at least ``k`` rows.

    Example (YAML)::

        k_anonymity: {quasi_identifiers: [zip_code, birth_date, gender], k: 5}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    quasi_identifiers: tuple[str, ...] = Field(min_length=1)
    """Columns that identify in combination (zip, birth date, gender...)."""
    k: int = Field(default=5, ge=2)
    """Minimum size of every equivalence class."""
    max_suppressed: float = Field(default=0.05, ge=0.0, le=1.0)
    """Fraction of rows that may be dropped instead of generalizing further."""

    @field_validator("quasi_identifiers")
    @classmethod
    def _distinct(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(columns)) != len(columns):
            raise ValueError("quasi_identifiers lists a column twice")
        return columns


@dataclass
class KAnonymityReport:
    """What the k-anonymity step did: counts and levels, never values.

    Attributes:
        k_required: The ``k`` asked for.
        k_reached: Size of the smallest equivalence class after the step (0 for an empty table).
        rows_suppressed: Rows dropped because their class stayed smaller than ``k``.
        levels: Generalization applied per quasi-identifier, e.g. ``{"age": "band-10"}``.
        classes: Number of equivalence classes in the result.
    """

    k_required: int
    k_reached: int = 0
    rows_suppressed: int = 0
    levels: dict[str, str] = field(default_factory=dict)
    classes: int = 0


def _level_name(kind: str, level: int, top: int) -> str:
    if level == 0:
        return "none"
    if level >= top:
        return "suppressed"
    if kind == "number":
        return f"band-{_NUMERIC_BANDS[level - 1]}"
    if kind == "date":
        return ("month", "year", "decade")[level - 1]
    return f"drop-last-{level}"


def _kind(data_type: pa.DataType) -> str:
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type):
        return "number"
    if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
        return "date"
    return "text"


def _max_level(kind: str, values: Sequence[object]) -> int:
    if kind == "number":
        return len(_NUMERIC_BANDS) + 1
    if kind == "date":
        return 4
    return max((len(str(v)) for v in values if v is not None), default=0) + 1


def _generalize(value: object, kind: str, level: int, top: int) -> str | None:
    if value is None:
        return None
    if level >= top:
        return SUPPRESSED
    if level == 0:
        return str(value)
    if kind == "number":
        assert isinstance(value, int | float)
        width = _NUMERIC_BANDS[level - 1]
        low = int(value) // width * width
        return f"{low}-{low + width - 1}"
    if kind == "date":
        assert isinstance(value, dt.date)
        if level == 1:
            return f"{value.year}-{value.month:02d}"
        if level == 2:
            return str(value.year)
        return f"{value.year // 10 * 10}s"
    text = str(value)
    keep = max(len(text) - level, 0)
    return text[:keep] + SUPPRESSED * (len(text) - keep)


def apply_k_anonymity(table: pa.Table, config: KAnonymity) -> tuple[pa.Table, KAnonymityReport]:
    """Generalize and suppress the quasi-identifiers of ``table`` until k-anonymity holds.

    Generalized quasi-identifier columns become strings; other columns are unchanged; the
    suppressed rows are removed.

    Raises:
        KAnonymityError: If a quasi-identifier column is missing.
    """
    missing = [name for name in config.quasi_identifiers if name not in table.column_names]
    if missing:
        raise KAnonymityError(
            f"k-anonymity quasi-identifiers {missing} are not columns of the table; "
            f"available: {list(table.column_names)}"
        )
    report = KAnonymityReport(k_required=config.k)
    columns = list(config.quasi_identifiers)
    raw = {name: table.column(name).to_pylist() for name in columns}
    kinds = {name: _kind(table.schema.field(name).type) for name in columns}
    tops = {name: _max_level(kinds[name], raw[name]) for name in columns}
    levels = dict.fromkeys(columns, 0)
    budget = int(config.max_suppressed * table.num_rows)

    def current(name: str) -> list[str | None]:
        return [_generalize(v, kinds[name], levels[name], tops[name]) for v in raw[name]]

    values = {name: current(name) for name in columns}
    while True:
        keys = list(zip(*(values[name] for name in columns), strict=True))
        sizes = Counter(keys)
        small = sum(size for size in sizes.values() if size < config.k)
        if small <= budget:
            break
        candidates = [name for name in columns if levels[name] < tops[name]]
        if not candidates:
            break
        widest = max(candidates, key=lambda name: (len(set(values[name])), -columns.index(name)))
        levels[widest] += 1
        values[widest] = current(widest)

    keep = [sizes[key] >= config.k for key in keys]
    result = table
    for name in columns:
        if levels[name] == 0:
            continue
        index = result.schema.get_field_index(name)
        new_field = pa.field(name, pa.string(), nullable=True)
        result = result.set_column(index, new_field, pa.array(values[name], type=pa.string()))
    if not all(keep):
        result = result.filter(pa.array(keep, type=pa.bool_()))
    kept_sizes = [size for size in sizes.values() if size >= config.k]
    report.rows_suppressed = table.num_rows - result.num_rows
    report.k_reached = min(kept_sizes, default=0)
    report.classes = len(kept_sizes)
    report.levels = {name: _level_name(kinds[name], levels[name], tops[name]) for name in columns}
    return result, report
