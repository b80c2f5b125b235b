"""Delta tables: an unchanged rewrite is a no-op, a change is a new version, versions read back."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vault_core import tables


def test_when_same_content_is_written_twice_then_the_version_does_not_move(tmp_path: Path) -> None:
    url = str(tmp_path / "t")
    first = tables.write_table(url, pa.table({"a": [1, 2]}))
    again = tables.write_table(url, pa.table({"a": [1, 2]}))
    assert (first.written, again.written) == (True, False)
    assert first.delta_version == again.delta_version == 0
    assert first.data_version == again.data_version


def test_when_content_changes_then_new_version_and_old_one_still_readable(tmp_path: Path) -> None:
    url = str(tmp_path / "t")
    tables.write_table(url, pa.table({"a": [1]}))
    change = tables.write_table(url, pa.table({"a": [1], "b": ["x"]}))
    assert change.written
    assert change.delta_version == 1
    assert tables.read_table(url, version=0).to_pydict() == {"a": [1]}
    assert tables.read_table(url).column_names == ["a", "b"]


def test_when_table_is_missing_then_typed_error(tmp_path: Path) -> None:
    with pytest.raises(tables.TableNotFoundError, match="materialize"):
        tables.read_table(str(tmp_path / "none"))
    assert tables.table_version(str(tmp_path / "none")) is None
