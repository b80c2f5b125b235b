"""build_definitions, and what importing the library does (and does not) load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_pipelines.definitions import build_definitions

REPO = Path(__file__).resolve().parents[2]


def test_when_dataset_names_repeat_then_definitions_refuse(tmp_path: Path) -> None:
    spec = DatasetSpec(name="a", source="memory://a/*.csv", format="csv")
    with pytest.raises(ValueError, match="unique"):
        build_definitions([spec, spec], VaultSettings(home=str(tmp_path)))


def test_when_vault_core_is_imported_then_dagster_is_not() -> None:
    code = (
        "import sys, vault_core.stages, vault_core.vault, vault_core.ingest, vault_core.registry; "
        "sys.exit(1 if 'dagster' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_when_asset_metadata_is_declared_then_code_versions_are_set(tmp_path: Path) -> None:
    spec = DatasetSpec(name="a", source="memory://a/*.csv", format="csv")
    defs = build_definitions([spec], VaultSettings(home=str(tmp_path)))
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).code_version, key
    assert isinstance(defs, dg.Definitions)


def test_when_the_library_is_imported_then_no_demo_faker_or_definitions_are_loaded() -> None:
    # A fresh interpreter: count every Definitions built while the library modules are imported.
    code = """
import sys
import dagster as dg

built = []
original = dg.Definitions.__new__


def counting(cls, *args, **kwargs):
    built.append(cls)
    return original(cls, *args, **kwargs)


dg.Definitions.__new__ = counting
import vault_core, vault_core.vault, vault_core.stages  # noqa: E401
import vault_pipelines, vault_pipelines.definitions, vault_pipelines.factory  # noqa: E401
import vault_pipelines.cli

dg.Definitions(assets=[])  # the counter itself works
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("faker", "vault_demo"))
print(f"loaded={loaded} built={len(built) - 1}")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "loaded=[] built=0"
