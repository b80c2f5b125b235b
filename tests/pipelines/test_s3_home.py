"""The whole asset graph with the vault home on S3 (moto's server on 127.0.0.1): the landing zone,
the sealed objects, every Delta table, the registry index and the keyring live in the bucket, and
nothing is written on the local disk outside temp folders (the state folder and Dagster's home)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import dagster as dg
import pytest

from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.run import DemoRun, run_demo

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SIZES = {"tickets": 240, "customers": 160}
_IGNORED = {".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def _files(root: Path) -> set[str]:
    """Files under ``root`` (caches and the venv skipped)."""
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _IGNORED and not d.startswith(".hypothesis")]
        found.update(os.path.join(folder, name) for name in files)
    return found


class S3Run:
    """What the module's run left: its settings, the demo's outcome, the local folders."""

    def __init__(self, settings: VaultSettings, demo: DemoRun, cwd: Path, state: Path) -> None:
        self.settings, self.demo, self.cwd, self.state = settings, demo, cwd, state
        self.new_repo_files: list[str] = []


@pytest.fixture(scope="module")
def s3_run(
    aws_endpoint: str,
    dagster_instance: dg.DagsterInstance,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[S3Run]:
    """The demo materialized once on ``s3://vault-s3-home/home1``, run from an empty folder."""
    boto3.client("s3", endpoint_url=aws_endpoint).create_bucket(Bucket="vault-s3-home")
    cwd, state, home = (tmp_path_factory.mktemp(n) for n in ("cwd", "state", "home"))
    # fsspec's spelling, as a user would write it after the README (translated for deltalake).
    options = {"client_kwargs": {"endpoint_url": aws_endpoint}, "skip_instance_cache": True}
    settings = VaultSettings(home="s3://vault-s3-home/home1", storage_options=options)
    before = _files(REPO)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_STATE_HOME", str(state))
        demo = run_demo(settings, dagster_instance, **SIZES)
        run = S3Run(settings, demo, cwd, state)
        run.new_repo_files = sorted(_files(REPO) - before)
        yield run


def _keys(endpoint: str, prefix: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="vault-s3-home", Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_when_home_is_on_s3_then_whole_graph_succeeds(s3_run: S3Run) -> None:
    demo = s3_run.demo
    assert demo.success
    assert demo.checks
    assert all(demo.checks.values())
    for summary in demo.summaries:
        assert summary.rows_in == SIZES[summary.name]
        assert summary.rows_in == summary.rows_out + summary.quarantined
        assert (summary.version, summary.new_version) == ("1.0.0", True)
        assert summary.anonymized_table.startswith("s3://vault-s3-home/home1/")


def test_when_home_is_on_s3_then_every_zone_is_in_the_bucket(
    s3_run: S3Run, aws_endpoint: str
) -> None:
    keys = set(_keys(aws_endpoint, "home1/"))
    assert "home1/keys/keyring.json" in keys
    assert any(k.startswith("home1/landing/tickets/") for k in keys)
    assert "home1/landing/customers/customers.csv" in keys
    assert any(k.startswith("home1/objects/") for k in keys)
    delta_tables = [
        *(
            f"home1/datasets/{dataset}/{zone}"
            for dataset in SIZES
            for zone in ("raw_manifest", "quarantine", "pii_findings", "anonymized")
        ),
        "home1/registry/versions",
    ]
    for table in delta_tables:
        assert f"{table}/_delta_log/00000000000000000000.json" in keys, table


def test_when_home_is_on_s3_then_nothing_is_written_outside_temp_folders(s3_run: S3Run) -> None:
    assert list(s3_run.cwd.iterdir()) == []  # no ./s3:/... keyring or table
    assert s3_run.new_repo_files == []
    local = sorted(str(p.relative_to(s3_run.state)) for p in s3_run.state.rglob("*") if p.is_file())
    # Only what needs a POSIX file system, in the state folder: the audit log and access files.
    assert local
    assert {p.split("/")[2] for p in local} <= {"audit", "access"}, local
    assert not any("keyring" in p for p in local)


def test_when_home_is_on_s3_then_vault_reads_back_the_versions(s3_run: S3Run) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(s3_run.state))
        vault = Vault(s3_run.settings)
        assert {v.name for v in vault.registry.list()} == set(SIZES)
        tickets = vault.load("tickets", version="1.0.0")
        assert tickets.height == s3_run.demo.summaries[0].rows_out
        assert vault.open_raw("customers").num_rows == s3_run.demo.summaries[1].rows_out
