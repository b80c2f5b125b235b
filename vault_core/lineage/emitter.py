"""Send OpenLineage run events of one job run (START, then COMPLETE or FAIL) through a file or
HTTP transport of ``openlineage-python``. Sending never raises: a transport error is logged as
its type (never the event, which names tables and columns) and the caller goes on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    error_message_run,
    job_type_job,
    parent_run,
    processing_engine_run,
)
from openlineage.client.transport import Transport
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

from vault_core.lineage.facets import PRODUCER

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "api/v1/lineage"


@dataclass(frozen=True)
class Parent:
    """The orchestrator's run that a step's lineage run belongs to (a Dagster run)."""

    namespace: str
    job: str
    run_id: str


@dataclass
class LineageRun:
    """One run of one job (a step materializing one asset): its id and what it reads and
    writes, completed as the step learns more."""

    emitter: LineageEmitter
    job: str
    run_id: str
    parent: Parent | None = None
    engine: tuple[str, str] | None = None
    """(name, version) of the processing engine."""
    inputs: list[InputDataset] = field(default_factory=list)
    outputs: list[OutputDataset] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Transport errors met (exception type names): the caller may report them."""

    def start(self) -> None:
        """Send START with the datasets known so far."""
        self._send(RunState.START)

    def complete(self) -> None:
        """Send COMPLETE with the datasets and facets the step reported."""
        self._send(RunState.COMPLETE)

    def fail(self, message: str) -> None:
        """Send FAIL with ``message`` (value-free: the step's own error description)."""
        self._send(
            RunState.FAIL,
            {
                "errorMessage": error_message_run.ErrorMessageRunFacet(
                    message=message, programmingLanguage="python", producer=PRODUCER
                )
            },
        )

    def _send(self, state: RunState, extra: dict[str, Any] | None = None) -> None:
        facets: dict[str, Any] = {}
        if self.parent is not None:
            facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=self.parent.run_id),
                job=parent_run.Job(namespace=self.parent.namespace, name=self.parent.job),
                producer=PRODUCER,
            )
        if self.engine is not None:
            facets["processing_engine"] = processing_engine_run.ProcessingEngineRunFacet(
                name=self.engine[0], version=self.engine[1], producer=PRODUCER
            )
        facets.update(extra or {})
        event = RunEvent(
            eventType=state,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=self.run_id, facets=facets),
            job=Job(
                namespace=self.emitter.namespace,
                name=self.job,
                facets={
                    "jobType": job_type_job.JobTypeJobFacet(
                        processingType="BATCH",
                        integration="DAGSTER",
                        jobType="ASSET",
                        producer=PRODUCER,
                    )
                },
            ),
            inputs=list(self.inputs),
            outputs=list(self.outputs),
            producer=PRODUCER,
        )
        error = self.emitter.emit(event)
        if error is not None:
            self.errors.append(error)


class LineageEmitter:
    """Sends run events of the jobs of one namespace through one transport."""

    def __init__(self, transport: Transport, namespace: str = "vault") -> None:
        self.transport = transport
        self.namespace = namespace

    @classmethod
    def to_file(cls, path: str, namespace: str = "vault") -> LineageEmitter:
        """Events appended to ``path``, one JSON document a line."""
        return cls(FileTransport(FileConfig(log_file_path=path, append=True)), namespace)

    @classmethod
    def to_http(
        cls,
        url: str,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = 5.0,
        api_key: str | None = None,
        retries: int = 2,
        namespace: str = "vault",
    ) -> LineageEmitter:
        """Events POSTed to ``url``/``endpoint`` (an OpenLineage receiver such as Marquez)."""
        config: dict[str, Any] = {
            "url": url,
            "endpoint": endpoint,
            "timeout": timeout,
            "retry": {"total": retries, "read": retries, "connect": retries},
        }
        if api_key:
            config["auth"] = {"type": "api_key", "apiKey": api_key}
        return cls(HttpTransport(HttpConfig.from_dict(config)), namespace)

    def run(
        self,
        job: str,
        *,
        parent: Parent | None = None,
        engine: tuple[str, str] | None = None,
        inputs: Sequence[InputDataset] = (),
        outputs: Sequence[OutputDataset] = (),
    ) -> LineageRun:
        """A new run of ``job`` (a fresh UUIDv7 run id)."""
        return LineageRun(
            self, job, str(generate_new_uuid()), parent, engine, list(inputs), list(outputs)
        )

    def emit(self, event: RunEvent) -> str | None:
        """Send ``event``; the type of the error on failure (logged, never raised)."""
        try:
            self.transport.emit(event)
        except Exception as exc:  # lineage is a side channel: it never fails the step
            logger.warning(
                "OpenLineage %s event of %s not sent: %s",
                event.eventType.value if event.eventType else "?",
                event.job.name,
                type(exc).__name__,
            )
            return type(exc).__name__
        return None

    def close(self) -> None:
        """Release the transport (its HTTP session)."""
        try:
            self.transport.close()
        except Exception as exc:  # closing a side channel never fails the caller either
            logger.warning("OpenLineage transport not closed cleanly: %s", type(exc).__name__)
