"""Which columns of a dataset are scanned for PII, rewritten, passed through or dropped, and which
column names are PII themselves.

Fail closed: a column the dataset does not declare (``text_columns``, ``entity_columns`` or
``passthrough_columns``) is scanned as free text, not copied through in clear. Columns whose type
cannot be scanned as text (nested, binary) are dropped from the anonymized table unless declared
passthrough. A column name is data too (a JSON key or CSV header can be an e-mail address): a name
in which the pattern detectors find PII is replaced by a keyed digest label everywhere past the
sealed raw zone (findings, anonymized table, Dagster metadata).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import blake3
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.ingest import RECORD_ID
from vault_core.pii import PiiEngine, PiiEngineConfig

DIRECT_IDENTIFIERS = frozenset(
    {
        "CREDIT_CARD",
        "EMAIL_ADDRESS",
        "IBAN_CODE",
        "PHONE_NUMBER",
        "US_BANK_NUMBER",
        "US_DRIVER_LICENSE",
        "US_ITIN",
        "US_PASSPORT",
        "US_SSN",
    }
)
"""Entity types that identify a person on their own. A passthrough column (declared free of
personal data: ids, timestamps, enums) that holds one of these fails the leftover check; dates,
ages or zip codes in it do not (a ``created_at`` column is full of dates by design)."""

COLUMN_NAME_KEY_PURPOSE = "vault/column-name/v1"
_LABEL_PREFIX = "column_"


@dataclass(frozen=True)
class ColumnPlan:
    """What the PII stages do with each column of a dataset's records."""

    text: list[str]
    """Scanned by the detectors and rewritten by the policy: declared text columns, then every
    undeclared column that can be read as text."""
    entity: dict[str, str]
    """Declared structured columns: every non-empty cell is one finding of the given type."""
    passthrough: list[str] = field(default_factory=list)
    """Declared free of personal data: copied as they are (the leftover check still looks for
    direct identifiers in them)."""
    dropped: list[str] = field(default_factory=list)
    """Undeclared columns that cannot be scanned as text: left out of the anonymized table."""

    @property
    def rewritten(self) -> list[str]:
        """Columns the policy rewrites."""
        return [*self.text, *self.entity]


def _scannable(data_type: pa.DataType) -> bool:
    """Whether a column of this type can be read as text (cast to string) and scanned."""
    if pa.types.is_dictionary(data_type):
        return _scannable(data_type.value_type)
    return not (
        pa.types.is_nested(data_type)
        or pa.types.is_binary(data_type)
        or pa.types.is_large_binary(data_type)
        or pa.types.is_fixed_size_binary(data_type)
        or pa.types.is_binary_view(data_type)
    )


def plan_columns(
    schema: pa.Schema,
    *,
    text_columns: Sequence[str],
    entity_columns: Mapping[str, str],
    passthrough_columns: Collection[str],
) -> ColumnPlan:
    """Sort the columns of ``schema`` (record id excluded) into the plan's groups."""
    declared = {*text_columns, *entity_columns, *passthrough_columns, RECORD_ID}
    undeclared = [f for f in schema if f.name not in declared]
    return ColumnPlan(
        text=[*text_columns, *(f.name for f in undeclared if _scannable(f.type))],
        entity=dict(entity_columns),
        passthrough=[name for name in passthrough_columns if name in schema.names],
        dropped=[f.name for f in undeclared if not _scannable(f.type)],
    )


def with_columns(table: pa.Table, names: Iterable[str]) -> pa.Table:
    """``table`` with every column of ``names`` it lacks added as all-null strings.

    An empty or fully quarantined input has no data columns; its stages still produce valid,
    empty versions with the declared columns.
    """
    for name in names:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table


def as_text(table: pa.Table, columns: Iterable[str]) -> pa.Table:
    """``table`` with the listed non-string columns cast to string (numbers as their digits)."""
    for name in columns:
        index = table.schema.get_field_index(name)
        data_type = table.schema.field(index).type
        if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
            continue
        table = table.set_column(index, name, pc.cast(table.column(index), pa.string()))
    return table


@lru_cache(maxsize=1)
def _names_engine() -> PiiEngine:
    return PiiEngine(PiiEngineConfig(mode="patterns"))


def column_label(name: str, key: bytes) -> str:
    """A stable label for a column whose name holds PII: a keyed digest, so that the label does
    not let anyone confirm a guessed name."""
    return _LABEL_PREFIX + blake3.blake3(name.encode("utf-8", "surrogatepass"), key=key).hexdigest(
        length=8
    )


def safe_column_names(
    names: Sequence[str], *, key: bytes, keep: Collection[str] = ()
) -> dict[str, str]:
    """``{name: label}`` for every name in ``names`` (except ``keep``) that holds PII.

    ``keep`` are names written in the dataset's own definition (declared columns): code, not data.
    """
    candidates = [name for name in names if name not in keep and name != RECORD_ID]
    flags = names_hold_pii(candidates)
    return {
        name: column_label(name, key) for name, flag in zip(candidates, flags, strict=True) if flag
    }


def names_hold_pii(names: Sequence[str]) -> list[bool]:
    """Whether the pattern detectors find PII in each name (column names, file paths)."""
    return [bool(found) for found in _names_engine().detect_batch(list(names))]


def rename(table: pa.Table, labels: Mapping[str, str]) -> pa.Table:
    """``table`` with the columns of ``labels`` renamed to their labels."""
    if not labels:
        return table
    return table.rename_columns([labels.get(name, name) for name in table.column_names])
