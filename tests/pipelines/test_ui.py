"""The Dagster UI serves what the demo materialized: the webserver is started for real on
loopback (as `make ui` does), queried through its GraphQL API and driven in headless Chromium
(Debian's `chromium`, installed by `make install`, through Playwright's `executable_path`: no
browser download). Screenshots land in `build/test-artifacts/ui/`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.pipelines.conftest import instance_home
from vault_core.settings import VaultSettings
from vault_demo.run import run_demo

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
INSTANCE_KINDS = ("sqlite", "postgres")  # the UI on both instances dagster.yaml files describe
CHROMIUM = "/usr/bin/chromium"  # Debian's package (make install)
ARTIFACTS = REPO / "build" / "test-artifacts" / "ui"
LOCATION = "vault_demo.definitions:defs"


@dataclass(frozen=True)
class Ui:
    url: str
    kind: str
    settings: VaultSettings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def webserver(
    tmp_path_factory: pytest.TempPathFactory, instance_kind: str, request: pytest.FixtureRequest
) -> Iterator[Ui]:
    """A demo materialized into a fresh instance, and dagster-webserver serving it."""
    dagster_home = tmp_path_factory.mktemp("ui_dagster_home")
    settings = VaultSettings(home=str(tmp_path_factory.mktemp("ui_vault")))
    with (
        instance_home(dagster_home, instance_kind, request) as instance_env,
        dg.DagsterInstance.from_config(str(dagster_home)) as instance,
    ):
        assert run_demo(settings, instance, tickets=40, customers=30).success
    port = _free_port()
    env = {
        **os.environ,
        **instance_env,
        "DAGSTER_HOME": str(dagster_home),
        "VAULT_HOME": settings.home,
    }
    binary = str(Path(sys.executable).parent / "dagster-webserver")
    process = subprocess.Popen(
        [binary, "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped by pid below, not by SIGINT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dagster-webserver did not start") from None
                time.sleep(1)
        yield Ui(url, instance_kind, settings)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _graphql(url: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return dict(body["data"])


def test_when_ui_is_up_then_every_asset_of_the_graph_is_listed(webserver: Ui) -> None:
    data = _graphql(webserver.url, "{ assetNodes { assetKey { path } } }")
    keys = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    assert {f"{d}/{s}" for d in ("tickets", "customers") for s in ("raw", "registered")} <= keys


def test_when_ui_is_up_then_metadata_and_versions_are_visible(webserver: Ui) -> None:
    query = """{ assetOrError(assetKey: {path: ["tickets", "registered"]}) {
        ... on Asset { assetMaterializations(limit: 1) {
            tags { key value } metadataEntries { label } } } } }"""
    (latest,) = _graphql(webserver.url, query)["assetOrError"]["assetMaterializations"]
    labels = {entry["label"] for entry in latest["metadataEntries"]}
    assert {"version", "data_version", "pii_summary", "upstream"} <= labels
    tags = {tag["key"]: tag["value"] for tag in latest["tags"]}
    assert tags["dagster/code_version"]
    assert tags["dagster/data_version"].startswith("1.0.0+b3:")


def test_when_ui_is_up_then_the_check_result_is_visible(webserver: Ui) -> None:
    query = """{ assetCheckExecutions(assetKey: {path: ["tickets", "anonymized"]},
        checkName: "no_pii_left", limit: 1) { status evaluation { success } } }"""
    (execution,) = _graphql(webserver.url, query)["assetCheckExecutions"]
    assert execution["evaluation"]["success"] is True


def _planted_values(settings: VaultSettings) -> set[str]:
    """E-mail addresses and phone numbers of the demo's landing files: never shown by the UI."""
    files = [p for p in Path(settings.landing_url).rglob("*") if p.suffix in (".jsonl", ".csv")]
    text = "".join(p.read_text() for p in files)
    found = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text))
    found |= set(re.findall(r"\(\d{3}\) \d{3}-\d{4}", text))
    return found


def test_when_ui_is_opened_in_a_browser_then_graph_versions_and_checks_show_and_no_pii(
    webserver: Ui,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    planted = _planted_values(webserver.settings)
    assert len(planted) > 20
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "graph": f"/locations/{LOCATION}/asset-groups/tickets/lineage",
        "registered": "/assets/tickets/registered",
        "checks": "/assets/tickets/anonymized?view=checks",
        "runs": "/runs",
    }
    seen: dict[str, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{webserver.url}/overview")
        page.get_by_role("button", name="Skip").click()  # the community sign-up prompt
        for name, path in pages.items():
            page.goto(webserver.url + path)
            page.wait_for_load_state("networkidle")
            if name == "graph":
                for stage in ("raw", "pii_findings", "anonymized", "registered"):
                    expect(page.get_by_text(stage, exact=True).first).to_be_visible()
            elif name == "registered":
                expect(page.get_by_text("1.0.0", exact=True).first).to_be_visible()
                expect(page.get_by_text("active", exact=True).first).to_be_visible()
            elif name == "checks":
                expect(page.get_by_text("no_pii_left").first).to_be_visible()
                expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
            else:
                expect(page.get_by_text("Success").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"{webserver.kind}-{name}.png"))
            seen[name] = page.content()
        browser.close()
    leaked = {name for name, html in seen.items() if any(value in html for value in planted)}
    assert not leaked, f"PII from the landing files is shown on: {sorted(leaked)}"
