"""The demo's definitions load in-process and the way `dagster dev` loads workspace.yaml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from vault_pipelines.definitions import ALL_JOB

REPO = Path(__file__).resolve().parents[2]


def test_when_demo_definitions_load_then_every_stage_and_check_exists() -> None:
    from vault_demo.definitions import defs

    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for dataset in ("tickets", "customers"):
        for stage in ("raw", "pii_findings", "anonymized", "registered"):
            assert f"{dataset}/{stage}" in keys
    check_keys = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert check_keys == {"no_pii_left", "expect_contract", "residual_pii", "training_ready"}
    assert defs.resolve_job_def(ALL_JOB) is not None


def test_when_workspace_is_loaded_like_dagster_dev_then_it_validates(tmp_path: Path) -> None:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "VAULT_HOME": str(tmp_path / "vault")}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "success" in (result.stdout + result.stderr).lower()
