"""The whole asset graph with the vault home on S3 (moto's server on 127.0.0.1): the landing zone,
the sealed objects, every Delta table, the registry index and the keyring live in the bucket, and
nothing is written on the local disk outside temp folders (the state folder and Dagster's home).
Run twice: keys in the keyring on S3 (the default provider), then keys in AWS KMS (moto's)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import pytest

from vault_core.settings import VaultSettings
from vault_core.vault import Vault
from vault_demo.run import DemoRun, run_demo

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
BUCKET = "vault-s3-home"
SIZES = {"tickets": 40, "customers": 30}
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
        self.prefix = settings.home.removeprefix(f"s3://{BUCKET}/") + "/"
        self.kms_key = ""
        """The KMS key configured for ``customers`` (KMS run only)."""


def _keys_settings(kind: str, endpoint: str) -> tuple[dict[str, Any], str]:
    """The key provider settings of a run, and the KMS key configured for ``customers``."""
    if kind == "local":
        return {"kind": "local"}, ""
    kms = boto3.client("kms", endpoint_url=endpoint)
    key = kms.create_key(Description="customers, provisioned by the platform team")
    kms_key = str(key["KeyMetadata"]["KeyId"])
    provider = {
        "kind": "aws_kms",
        "region": "us-east-1",
        "endpoint_url": endpoint,
        "alias_prefix": "alias/s3home",
        "key_ids": {"customers": kms_key},
    }
    return provider, kms_key


@pytest.fixture(scope="module", params=["local", "aws_kms"])
def s3_run(
    request: pytest.FixtureRequest,
    aws_endpoint: str,
    dagster_instance: dg.DagsterInstance,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[S3Run]:
    """The demo materialized once on ``s3://vault-s3-home/<provider>``, run from an empty
    folder."""
    s3 = boto3.client("s3", endpoint_url=aws_endpoint)
    if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=BUCKET)
    cwd, state, home = (tmp_path_factory.mktemp(n) for n in ("cwd", "state", "home"))
    # fsspec's spelling, as a user would write it after the README (translated for deltalake).
    options = {"client_kwargs": {"endpoint_url": aws_endpoint}, "skip_instance_cache": True}
    keys, kms_key = _keys_settings(request.param, aws_endpoint)
    settings = VaultSettings.model_validate(
        {"home": f"s3://{BUCKET}/{request.param}", "storage_options": options, "keys": keys}
    )
    before = _files(REPO)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_STATE_HOME", str(state))
        demo = run_demo(settings, dagster_instance, **SIZES)
        run = S3Run(settings, demo, cwd, state)
        run.kms_key = kms_key
        run.new_repo_files = sorted(_files(REPO) - before)
        yield run


def _keys(endpoint: str, prefix: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
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
        assert summary.anonymized_table.startswith(f"s3://{BUCKET}/{s3_run.prefix}")


def test_when_home_is_on_s3_then_every_zone_is_in_the_bucket(
    s3_run: S3Run, aws_endpoint: str
) -> None:
    home = s3_run.prefix
    keys = {k.removeprefix(home) for k in _keys(aws_endpoint, home)}
    assert ("keys/keyring.json" in keys) == (s3_run.settings.keys.kind == "local")
    assert any(k.startswith("landing/tickets/") for k in keys)
    assert "landing/customers/customers.csv" in keys
    assert any(k.startswith("objects/") for k in keys)
    delta_tables = [
        *(
            f"datasets/{dataset}/{zone}"
            for dataset in SIZES
            for zone in ("raw_manifest", "quarantine", "pii_findings", "anonymized")
        ),
        "registry/versions",
    ]
    for table in delta_tables:
        assert f"{table}/_delta_log/00000000000000000000.json" in keys, table


def test_when_home_is_on_s3_then_nothing_is_written_outside_temp_folders(s3_run: S3Run) -> None:
    assert list(s3_run.cwd.iterdir()) == []  # no ./s3:/... keyring or table
    assert s3_run.new_repo_files == []
    local = sorted(str(p.relative_to(s3_run.state)) for p in s3_run.state.rglob("*") if p.is_file())
    # Only what needs a POSIX file system, in the state folder: the audit log, the access files
    # and the demo's MLflow store (SQLite).
    assert local
    assert {p.split("/")[2] for p in local} <= {"audit", "access", "mlflow"}, local
    assert not any("keyring" in p for p in local)


def test_when_home_is_on_s3_then_vault_reads_back_the_versions(s3_run: S3Run) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(s3_run.state))
        vault = Vault(s3_run.settings)
        assert {v.name for v in vault.registry.list()} == set(SIZES)
        tickets = vault.load("tickets", version="1.0.0")
        assert tickets.height == s3_run.demo.summaries[0].rows_out
        assert vault.open_raw("customers").num_rows == s3_run.demo.summaries[1].rows_out


def test_when_keys_are_in_kms_then_data_keys_are_wrapped_by_kms_and_configured_key_is_used(
    s3_run: S3Run, aws_endpoint: str
) -> None:
    if s3_run.settings.keys.kind != "aws_kms":
        pytest.skip("the KMS run only")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(s3_run.state))
        vault = Vault(s3_run.settings)
        customers = vault.key_provider.versions("customers")
        tickets = vault.key_provider.versions("tickets")
    assert [v.key_id.split(":")[3] for v in customers] == [s3_run.kms_key]  # configured key
    assert len(tickets) == 1
    assert tickets[0].key_id.startswith("aws-kms:tickets:v1:")
    assert tickets[0].key_id.split(":")[3] != s3_run.kms_key  # created by the vault
