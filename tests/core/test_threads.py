"""Tests of polars' pool sizing at import of vault_core (each in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vault_core.threads import POLARS_THREADS_ENV, usable_cores

_REPORT = (
    "import json, os, polars as pl; "
    "print(json.dumps([os.environ.get('POLARS_MAX_THREADS'), pl.thread_pool_size()]))"
)


def _fresh(code: str, **env: str) -> list[object]:
    clean = {k: v for k, v in os.environ.items() if k != POLARS_THREADS_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    result: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_when_vault_core_imported_first_then_polars_leaves_a_core() -> None:
    expected = max(1, usable_cores() - 1)
    assert _fresh("import vault_core; " + _REPORT) == [str(expected), expected]


def test_when_the_user_set_the_pool_then_it_is_kept() -> None:
    assert _fresh("import vault_core; " + _REPORT, POLARS_MAX_THREADS="2") == ["2", 2]


def test_when_polars_imported_before_then_its_pool_and_the_variable_are_left_alone() -> None:
    code = "import polars; import vault_core; " + _REPORT
    [variable, size] = _fresh(code)
    assert variable is None
    assert size == usable_cores()
