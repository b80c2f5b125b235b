"""Reading vault tables never leaves native threads that abort the interpreter at exit.

The abort (``terminate called without an active exception``, SIGABRT) came from Arrow's IO
threads releasing Python-owned buffers of deltalake's Python filesystem while the interpreter
was finalizing (see ``vault_core.tables.read_table``). The first tests check that cause
directly and deterministically (the first fails on the old code every time); the last runs real
processes, CLI commands included, under parallel CPU load, where the old code aborted in about
1 of 5 ``vault registry list`` runs (this test caught it in 1 of 3 runs; kept short).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import deltalake
import pyarrow as pa
import pytest
from deltalake.fs import DeltaStorageHandler

from vault_core import tables
from vault_core.registry import Registry, VersionCandidate
from vault_core.settings import VaultSettings

VAULT = Path(sys.executable).with_name("vault")


class _Recorded:
    """A file of deltalake's Python filesystem that notes which threads call into it."""

    def __init__(self, inner: Any, threads: set[int]) -> None:
        self._inner = inner
        self._threads = threads

    def __getattr__(self, name: str) -> Any:
        self._threads.add(threading.get_ident())
        return getattr(self._inner, name)


@pytest.fixture
def python_file_threads(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Thread ids that touched a Python file object opened through deltalake's handler."""
    threads: set[int] = set()

    def open_input_file(self: DeltaStorageHandler, path: str) -> pa.PythonFile:
        threads.add(threading.get_ident())
        return pa.PythonFile(_Recorded(self._handler.open_input_file(path), threads))

    monkeypatch.setattr(DeltaStorageHandler, "open_input_file", open_input_file)
    return threads


def _table(rows: int = 1000) -> pa.Table:
    return pa.table({"a": list(range(rows)), "b": ["x"] * rows})


def test_when_a_local_table_is_read_then_no_python_file_object_is_involved(
    tmp_path: Path, python_file_threads: set[int]
) -> None:
    url = str(tmp_path / "t")
    for _ in range(3):  # several files, so several fragments in flight
        deltalake.write_deltalake(url, _table(), mode="append")
    assert tables.read_table(url).num_rows == 3000
    assert python_file_threads == set()


def test_when_files_come_through_python_then_only_the_calling_thread_touches_them(
    tmp_path: Path, python_file_threads: set[int]
) -> None:
    url = str(tmp_path / "t")
    deltalake.write_deltalake(url, _table(), partition_by=["b"])
    deltalake.write_deltalake(
        url, _table().append_column("c", pa.array(["n"] * 1000)), mode="append", schema_mode="merge"
    )
    dt = deltalake.DeltaTable(url)
    read = tables._in_arrow_memory(dt.to_pyarrow_dataset()).to_table()
    assert python_file_threads == {threading.get_ident()}
    assert read.sort_by("a").equals(tables.read_table(url).sort_by("a"))
    assert read.column("c").null_count == 1000


def _burn() -> None:
    while True:
        pass


@pytest.fixture
def cpu_load() -> Iterator[None]:
    """Busy processes on every core: the abort needed Arrow's threads to be scheduled late."""
    burners = [
        multiprocessing.Process(target=_burn, daemon=True) for _ in range(os.cpu_count() or 2)
    ]
    for burner in burners:
        burner.start()
    yield
    for burner in burners:
        burner.kill()
        burner.join()


def test_when_processes_read_tables_under_load_then_they_all_exit_cleanly(
    tmp_path: Path, cpu_load: None
) -> None:
    home = tmp_path / "vault"
    registry = Registry.open(VaultSettings(home=str(home)).registry_url)
    for n in range(3):
        registry.register(
            VersionCandidate(
                name=f"ds{n}",
                data_version=f"b3:{n}",
                code_version="1",
                schema_fingerprint="b3:s",
                row_count=1,
                storage_url=str(tmp_path),
            )
        )
    url = str(tmp_path / "t")
    tables.write_table(url, _table())
    env = {**os.environ, "VAULT_HOME": str(home), "VAULT_MASTER_SECRET": "test"}
    read = [sys.executable, "-c", f"from vault_core import tables; tables.read_table({url!r})"]
    commands = 4 * [[str(VAULT), "registry", "list"]] + [[str(VAULT), "verify"]] + 6 * [read]

    def run(command: list[str]) -> tuple[str, int, str]:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        return " ".join(command[1:3]), done.returncode, done.stderr[-300:]

    with ThreadPoolExecutor(4) as pool:
        failed = [outcome for outcome in pool.map(run, commands) if outcome[1] != 0]
    assert failed == []
