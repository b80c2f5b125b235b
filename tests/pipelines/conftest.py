"""Fixtures for pipeline tests: a persistent Dagster instance and a vault home on tmp_path.

``dagster_instance`` is SQLite-backed (the repository's ``dagster.yaml``). A test module that
sets ``INSTANCE_KINDS = ("sqlite", "postgres")`` runs once per kind; the PostgreSQL instance uses
``dagster.postgres.yaml`` against a real server (``postgres`` fixture), one database per module.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[2]
INSTANCE_FILES = {"sqlite": "dagster.yaml", "postgres": "dagster.postgres.yaml"}
PG_URL_ENV = "VAULT_DAGSTER_PG_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    kinds = getattr(metafunc.module, "INSTANCE_KINDS", None)
    if kinds and "instance_kind" in metafunc.fixturenames:
        metafunc.parametrize("instance_kind", kinds, indirect=True, scope="module")


@pytest.fixture(scope="module")
def instance_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the module asks for several kinds (``INSTANCE_KINDS``)."""
    return str(getattr(request, "param", "sqlite"))


@contextmanager
def instance_home(
    home: Path, kind: str, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    """Write ``home/dagster.yaml`` for ``kind``; yield the environment the instance needs (the
    PostgreSQL URL of a fresh database), set in this process while the context is open."""
    shutil.copy(REPO / INSTANCE_FILES[kind], home / "dagster.yaml")
    env: dict[str, str] = {}
    if kind == "postgres":
        server: Any = request.getfixturevalue("postgres")
        env[PG_URL_ENV] = server.create_database(f"dagster_{home.name.lower()}")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        yield env


@pytest.fixture(scope="module")
def dagster_instance(
    tmp_path_factory: pytest.TempPathFactory, instance_kind: str, request: pytest.FixtureRequest
) -> Iterator[dg.DagsterInstance]:
    """A real instance configured by the repository's dagster.yaml (or dagster.postgres.yaml)."""
    home = tmp_path_factory.mktemp("dagster_home")
    with (
        instance_home(home, instance_kind, request),
        dg.DagsterInstance.from_config(str(home)) as instance,
    ):
        yield instance
