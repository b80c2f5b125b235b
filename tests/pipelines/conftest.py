"""Fixtures for pipeline tests: a persistent Dagster instance and a vault home on tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagster_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.DagsterInstance]:
    """A real SQLite-backed instance configured by the repository's dagster.yaml."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance
