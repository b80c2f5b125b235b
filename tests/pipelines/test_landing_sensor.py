"""The landing sensor on a real instance, over a local folder and over S3 (moto's server).

Run requests are resolved by Dagster itself (``evaluate_tick``, as the sensor daemon does) against
stand-in assets shaped like the dataset's stages (the stage assets partitioned by
``partitions_def(spec)``, ``registered`` not), and the dynamic partitions requests are applied to
the instance between ticks, as the daemon does. Runs are not executed here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import dagster as dg
import pytest
from dagster._core.definitions.sensor_definition import SensorExecutionData

from vault_core.dataset import DatasetSpec
from vault_core.landing import LandingCursor
from vault_core.settings import VaultSettings
from vault_pipelines.definitions import build_definitions
from vault_pipelines.partitions import files_partitions_name, partitions_def
from vault_pipelines.sensors import STAGES, landing_sensor, landing_sensor_name, stage_keys

INSTANCE_KINDS = ("sqlite", "postgres")  # sensors on both instances dagster.yaml files describe

OLD = time.time() - 3600
_LAST = object()


def stand_in_definitions(spec: DatasetSpec, sensor: dg.SensorDefinition) -> dg.Definitions:
    """The four stage keys of ``spec`` with the partitions the real factory gives them."""
    partitions = partitions_def(spec)

    def stage(name: str, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
        @dg.asset(
            key=dg.AssetKey([spec.name, name]),
            deps=deps,
            partitions_def=None if name == "registered" else partitions,
        )
        def _stage() -> None:
            return None

        return _stage

    keys = stage_keys(spec)
    assets = [stage(name, keys[:index][-1:]) for index, name in enumerate(STAGES)]
    return dg.Definitions(assets=assets, sensors=[sensor])


@dataclass
class Daemon:
    """Evaluates a sensor like the daemon: resolves requests, adds partitions, dedups run keys."""

    instance: dg.DagsterInstance
    spec: DatasetSpec
    sensor: dg.SensorDefinition
    cursor: str | None = None
    launched: dict[str, str | None] = field(default_factory=dict)
    """run key -> partition key of every run launched so far."""
    fresh: list[dg.RunRequest] = field(default_factory=list)
    """The last tick's run requests whose run key had not been launched yet."""

    def tick(self, cursor: str | object | None = _LAST) -> SensorExecutionData:
        """One evaluation from ``cursor`` (default: the cursor the last tick stored)."""
        start = self.cursor if cursor is _LAST else cursor
        defs = stand_in_definitions(self.spec, self.sensor)
        context = dg.build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=start,  # type: ignore[arg-type]
            definitions=defs,
        )
        with dg.partition_loading_context(dynamic_partitions_store=self.instance):
            data = self.sensor.evaluate_tick(context)
        for request in data.dynamic_partitions_requests or []:
            assert isinstance(request, dg.AddDynamicPartitionsRequest)
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys)
            )
        self.fresh = [r for r in data.run_requests if r.run_key not in self.launched]
        for request in self.fresh:
            assert request.run_key is not None
            self.launched[request.run_key] = request.partition_key
        self.cursor = data.cursor
        return data

    @property
    def fresh_partitions(self) -> list[str | None]:
        return [request.partition_key for request in self.fresh]


def _files_spec(source: str, **options: str) -> DatasetSpec:
    return DatasetSpec(
        name="notes", source=source, format="csv", partitioning="files", storage_options=options
    )


def _write(path: Path, text: str, *, old: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if old:
        os.utime(path, (OLD, OLD))


@pytest.fixture
def daemon(dagster_instance: dg.DagsterInstance) -> Callable[..., Daemon]:
    def make(spec: DatasetSpec, **kwargs: object) -> Daemon:
        return Daemon(dagster_instance, spec, landing_sensor(spec, **kwargs))  # type: ignore[arg-type]

    return make


def test_when_files_land_locally_then_partitions_are_added_and_run_once(
    tmp_path: Path, daemon: Callable[..., Daemon], dagster_instance: dg.DagsterInstance
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "local_files"})
    _write(folder / "a.csv", "id\n1\n")
    _write(folder / "b.csv", "id\n2\n")
    sensor = daemon(spec)

    data = sensor.tick()
    assert sensor.fresh_partitions == ["a.csv", "b.csv"]
    assert set(dagster_instance.get_dynamic_partitions(files_partitions_name(spec))) == {
        "a.csv",
        "b.csv",
    }
    request = data.run_requests[0]
    assert request.asset_selection == [dg.AssetKey(["local_files", s]) for s in STAGES]
    assert request.tags["dagster/partition"] == "a.csv"
    assert request.tags["vault/landing_new"] == "1"
    assert request.run_key.startswith("landing-")

    data = sensor.tick()
    assert data.run_requests == []
    assert data.skip_message.startswith("0 partition(s) requested; 0 new file(s), 0 changed, 2")

    _write(folder / "b.csv", "id\n2\n3\n")  # changed
    _write(folder / "c.csv", "id\n4\n")  # added
    data = sensor.tick()
    assert sensor.fresh_partitions == ["b.csv", "c.csv"]
    assert data.dynamic_partitions_requests == [
        dg.AddDynamicPartitionsRequest(files_partitions_name(spec), ["c.csv"])
    ]


def test_when_a_file_is_half_written_then_its_run_waits_until_it_settles(
    tmp_path: Path, daemon: Callable[..., Daemon], dagster_instance: dg.DagsterInstance
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "half_files"})
    _write(folder / "done.csv", "id\n1\n")
    _write(folder / "big.csv", "id\n", old=False)
    sensor = daemon(spec)

    sensor.tick()
    assert sensor.fresh_partitions == ["done.csv"]
    assert set(LandingCursor.from_json(sensor.cursor).pending) == {str(folder / "big.csv")}
    assert dagster_instance.get_dynamic_partitions(files_partitions_name(spec)) == ["done.csv"]

    with (folder / "big.csv").open("a") as handle:
        handle.write("2\n")  # still being written: the size changed since the last tick
    data = sensor.tick()
    assert data.run_requests == []
    assert "1 file(s) not settled yet (big.csv)" in data.skip_message

    data = sensor.tick()  # unchanged since the last tick: settled
    assert sensor.fresh_partitions == ["big.csv"]
    assert LandingCursor.from_json(sensor.cursor).pending == {}


def test_when_settle_seconds_is_passed_then_a_young_file_runs_on_first_sight(
    tmp_path: Path, daemon: Callable[..., Daemon]
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "quick_files"})
    _write(folder / "a.csv", "id\n1\n", old=False)
    os.utime(folder / "a.csv", (time.time() - 3, time.time() - 3))
    assert daemon(spec, settle_seconds=1).tick().run_requests
    assert not daemon(spec, settle_seconds=60).tick().run_requests


def test_when_files_are_removed_then_reported_and_nothing_runs(
    tmp_path: Path, daemon: Callable[..., Daemon], dagster_instance: dg.DagsterInstance
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "gone_files"})
    for name in ("a", "b", "c"):
        _write(folder / f"{name}.csv", f"id\n{name}\n")
    sensor = daemon(spec)
    sensor.tick()
    (folder / "a.csv").unlink()
    (folder / "b.csv").unlink()

    data = sensor.tick()
    assert data.run_requests == []
    assert "2 file(s) removed (a.csv, b.csv), nothing re-run" in data.skip_message
    assert set(LandingCursor.from_json(sensor.cursor).files) == {str(folder / "c.csv")}
    # Partitions stay: their rows are still in the tables; erasure is a deliberate act.
    assert len(dagster_instance.get_dynamic_partitions(files_partitions_name(spec))) == 3


def test_when_sensor_restarts_then_no_file_is_lost_or_run_twice(
    tmp_path: Path, daemon: Callable[..., Daemon]
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "restart_files"})
    _write(folder / "a.csv", "id\n1\n")
    first = daemon(spec)
    first.tick()
    before_crash = first.cursor
    _write(folder / "b.csv", "id\n2\n")
    _write(folder / "c.csv", "id\n3\n", old=False)  # pending when the sensor stops
    first.tick()
    assert first.fresh_partitions == ["b.csv"]

    # A tick whose cursor was never stored: replayed from the previous cursor, same run keys.
    replay = daemon(spec)
    replay.launched = dict(first.launched)
    data = replay.tick(before_crash)
    assert [r.run_key for r in data.run_requests] == list(first.launched)[1:2]
    assert replay.fresh == []

    # A restart with the last stored cursor: nothing again, and the pending file is not lost.
    restarted = daemon(spec)
    restarted.launched = dict(first.launched)
    restarted.cursor = first.cursor
    data = restarted.tick()
    assert restarted.fresh_partitions == ["c.csv"]
    assert sorted(p for p in restarted.launched.values() if p) == ["a.csv", "b.csv", "c.csv"]
    assert len(restarted.launched) == 3


def test_when_file_path_holds_pii_then_only_its_digest_key_is_reported(
    tmp_path: Path, daemon: Callable[..., Daemon]
) -> None:
    folder = tmp_path / "landing"
    spec = _files_spec(f"{folder}/*.csv").model_copy(update={"name": "pii_files"})
    _write(folder / "jane.doe@example.com.csv", "id\n1\n", old=False)
    data = daemon(spec).tick()
    assert "jane" not in data.skip_message
    assert "(file-" in data.skip_message


def test_when_daily_windows_then_only_changed_closed_windows_run(
    tmp_path: Path, daemon: Callable[..., Daemon]
) -> None:
    root = tmp_path / "daily"
    spec = DatasetSpec(
        name="chats",
        source=f"{root}/{{date}}/*.jsonl",
        format="jsonl",
        partitioning="daily",
        partition_start="2024-01-01",
    )
    _write(root / "2024-03-01" / "a.jsonl", "{}\n")
    _write(root / "2024-03-01" / "b.jsonl", "{}\n")
    _write(root / "2024-03-02" / "a.jsonl", "{}\n")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    _write(root / today / "a.jsonl", "{}\n")  # the window is still open: no partition yet
    sensor = daemon(spec)

    data = sensor.tick()
    assert sensor.fresh_partitions == ["2024-03-01", "2024-03-02"]
    assert data.run_requests[0].tags["vault/landing_files"] == "2"
    assert data.dynamic_partitions_requests == []

    _write(root / "2024-03-02" / "b.jsonl", "{}\n")
    data = sensor.tick()
    assert sensor.fresh_partitions == ["2024-03-02"]
    assert f"partitions not open yet ({today})" in sensor_log(spec, sensor)


def sensor_log(spec: DatasetSpec, sensor: Daemon) -> str:
    """The summary of a tick that requests nothing new (its skip message)."""
    data = sensor.tick()
    assert data.run_requests == []
    return data.skip_message


def test_when_unpartitioned_then_one_run_for_any_change_through_build_definitions(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    folder = tmp_path / "plain"
    spec = DatasetSpec(name="plain", source=f"{folder}/*.csv", format="csv")
    defs = build_definitions([spec], VaultSettings(home=str(tmp_path / "vault")))
    sensor = defs.resolve_sensor_def(landing_sensor_name(spec))
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    _write(folder / "a.csv", "id\n1\n")
    _write(folder / "b.csv", "id\n2\n")

    def tick(cursor: str | None) -> SensorExecutionData:
        context = dg.build_sensor_context(
            instance=dagster_instance, cursor=cursor, definitions=defs
        )
        return sensor.evaluate_tick(context)

    data = tick(None)
    assert len(data.run_requests) == 1
    assert data.run_requests[0].partition_key is None
    assert data.run_requests[0].asset_selection == stage_keys(spec)
    assert tick(data.cursor).run_requests == []
    _write(folder / "c.csv", "id\n3\n")
    again = tick(data.cursor)
    assert [r.tags["vault/landing_files"] for r in again.run_requests] == ["3"]


def test_when_definitions_are_built_then_every_dataset_has_a_landing_sensor(
    tmp_path: Path,
) -> None:
    specs = [
        DatasetSpec(name="one", source="memory://one/*.csv", format="csv"),
        DatasetSpec(name="two", source="memory://two/*.csv", format="csv", partitioning="files"),
    ]
    settings = VaultSettings(home=str(tmp_path))
    defs = build_definitions(specs, settings, landing_sensor_status=dg.DefaultSensorStatus.RUNNING)
    for name in ("one_landing", "two_landing"):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


# --- over S3 through moto's server ---------------------------------------------------------


@pytest.fixture
def s3(aws_endpoint: str) -> Iterator[tuple[str, object]]:
    """A fresh ``landing`` bucket on moto's server (removed after the test: one per test)."""
    client = boto3.client("s3", endpoint_url=aws_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="landing")
    yield aws_endpoint, client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="landing"):
        for item in page.get("Contents", []):
            client.delete_object(Bucket="landing", Key=item["Key"])
    client.delete_bucket(Bucket="landing")


@pytest.mark.integration
def test_when_objects_land_on_s3_then_added_changed_half_written_and_removed_are_handled(
    s3: tuple[str, object], daemon: Callable[..., Daemon], dagster_instance: dg.DagsterInstance
) -> None:
    endpoint, client = s3
    spec = _files_spec(
        "s3://landing/notes/*.csv", endpoint_url=endpoint, key="test", secret="test"
    ).model_copy(update={"name": "s3_files"})

    def put(name: str, body: str) -> None:
        client.put_object(Bucket="landing", Key=f"notes/{name}", Body=body.encode())  # type: ignore[attr-defined]

    put("a.csv", "id\n1\n")
    put("b.csv", "id\n2\n")
    sensor = daemon(spec)

    data = sensor.tick()  # ETags carry no time: every new object waits one tick
    assert data.run_requests == []
    assert "2 file(s) not settled yet (a.csv, b.csv)" in data.skip_message
    sensor.tick()
    assert sensor.fresh_partitions == ["a.csv", "b.csv"]
    assert set(dagster_instance.get_dynamic_partitions("s3_files_files")) == {"a.csv", "b.csv"}

    put("b.csv", "id\n2\n3\n")  # changed
    put("c.csv", "id\n")  # half-written: rewritten bigger before the next tick
    data = sensor.tick()
    assert data.run_requests == []
    put("c.csv", "id\n4\n5\n")
    sensor.tick()
    assert sensor.fresh_partitions == ["b.csv"]  # c.csv changed again: still not settled
    assert set(LandingCursor.from_json(sensor.cursor).pending) == {"s3://landing/notes/c.csv"}
    sensor.tick()
    assert sensor.fresh_partitions == ["c.csv"]

    client.delete_object(Bucket="landing", Key="notes/a.csv")  # type: ignore[attr-defined]
    restarted = daemon(spec)
    restarted.launched, restarted.cursor = dict(sensor.launched), sensor.cursor
    data = restarted.tick()
    assert data.run_requests == []
    assert "1 file(s) removed (a.csv), nothing re-run" in data.skip_message
    assert sorted(p for p in restarted.launched.values() if p) == [
        "a.csv",
        "b.csv",
        "b.csv",
        "c.csv",
    ]
