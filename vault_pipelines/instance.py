"""The persistent local Dagster instance: ``DAGSTER_HOME`` with our ``dagster.yaml``."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
import psutil  # type: ignore[import-untyped]
from dagster._core.launcher import DefaultRunLauncher
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

DEFAULT_DAGSTER_HOME = ".dagster_home"

# The same settings as the repository's dagster.yaml, for a `vault` run outside the repository.
DEFAULT_DAGSTER_YAML = """\
# Local Dagster instance of vault: SQLite storage under DAGSTER_HOME, nothing sent anywhere.
telemetry:
  enabled: false
"""


def ensure_dagster_home(path: str | None = None, template: Path | None = None) -> Path:
    """Create the instance folder with its ``dagster.yaml`` if needed and point DAGSTER_HOME at it.

    Args:
        path: instance folder (default: ``$DAGSTER_HOME`` or ``.dagster_home``).
        template: a ``dagster.yaml`` to install (default: ``./dagster.yaml`` when present).
    """
    home = Path(path or os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        source = template or Path("dagster.yaml")
        text = source.read_text() if source.exists() else DEFAULT_DAGSTER_YAML
        target.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


# -- runs whose process died ------------------------------------------------------------------
# A run executed in process (`vault demo`, `execute_in_process`) or by the default run launcher
# (`dagster dev`) that is killed (SIGKILL, OOM, power loss) never writes RUN_FAILURE: it stays
# STARTED for ever. Dagster's run monitoring cannot help here: the default launcher does not
# support `check_run_worker_health` and in-process runs have no launcher at all. So we note the
# run's process (pid and its start time) and, before the next run and at every registry sync,
# fail the runs whose process is gone.

PID_TAG = "vault/pid"
PID_STARTED_TAG = "vault/pid_started"
HOST_TAG = "vault/host"
_ALIVE_STATUSES = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def process_tags() -> dict[str, str]:
    """Run tags naming this process, for runs executed in it (``execute_in_process(tags=...)``)."""
    me = psutil.Process()
    return {
        PID_TAG: str(me.pid),
        PID_STARTED_TAG: repr(me.create_time()),
        HOST_TAG: socket.gethostname(),
    }


def _worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int, float | None] | None:
    """(pid, its start time if known) of the process executing ``run`` on this host, or None."""
    tags = run.tags
    if PID_TAG in tags:
        if tags.get(HOST_TAG) != socket.gethostname():
            return None
        return int(tags[PID_TAG]), float(tags[PID_STARTED_TAG]) if PID_STARTED_TAG in tags else None
    if not isinstance(instance.run_launcher, DefaultRunLauncher):
        return None  # another launcher's workers may live elsewhere: its own monitoring applies
    # The default launcher's worker reports "Started process for run (pid: N)".
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        data = event.engine_event_data if event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None:
            return int(str(pid.value)), None
    return None


def _alive(pid: int, started: float | None, run_started: float | None) -> bool:
    try:
        created = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return False
    if started is not None:
        return abs(created - started) < 1.0  # else the pid was reused by another process
    return run_started is None or bool(created <= run_started + 1.0)  # type: ignore[no-any-return]


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark FAILURE every unfinished run whose worker process on this host is gone; their ids.

    Runs whose worker is unknown (other hosts, other launchers) are left to Dagster's run
    monitoring.
    """
    failed: list[str] = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=_ALIVE_STATUSES)):
        run = record.dagster_run
        worker = _worker(instance, run)
        if worker is None or _alive(*worker, record.start_time):
            continue
        instance.report_run_failed(
            run, f"Run worker process {worker[0]} is gone (killed?): marked failed by vault."
        )
        failed.append(run.run_id)
    return failed


# -- reading the instance incrementally ----------------------------------------------------------
PAGE = 1000


def check_executions_after(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, after: int
) -> list[AssetCheckExecutionRecord]:
    """Executions of check ``key`` with a storage id above ``after``, oldest first (paged)."""
    rows: list[AssetCheckExecutionRecord] = []
    page_cursor: int | None = None
    while True:
        page = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=PAGE, cursor=page_cursor
        )
        newer = [row for row in page if row.id > after]
        rows += newer
        if len(newer) < PAGE:
            return rows[::-1]
        page_cursor = page[-1].id


def settled_check_executions(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, after: int
) -> tuple[int, list[AssetCheckExecutionRecord]]:
    """How many executions of ``key`` came after ``after``, and those a cursor may pass: all of
    them up to (not including) the first one still planned in a live run, which is resolved in
    place later."""
    rows = check_executions_after(instance, key, after)
    pending = [
        row.id
        for row in rows
        if row.status is AssetCheckExecutionRecordStatus.PLANNED
        and not run_finished(instance, row.run_id)
    ]
    return len(rows), [row for row in rows if not pending or row.id < min(pending)]


def run_finished(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether run ``run_id`` is over (or unknown: nothing more will come from it)."""
    run = instance.get_run_by_id(run_id) if run_id else None
    return run is None or run.is_finished
