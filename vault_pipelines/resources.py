"""Dagster resources: configuration in, ``vault_core`` objects out. No domain logic here."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import dagster as dg
from pydantic import Field, PrivateAttr

from vault_core.access import SERVICE_PRINCIPAL, AccessDenied
from vault_core.pii import PiiEngine, PiiEngineConfig
from vault_core.registry import AssetVersion
from vault_core.settings import VaultSettings, resolve_home
from vault_core.stages.parallel import process_pool
from vault_core.vault import Vault

if TYPE_CHECKING:
    from vault_core.lineage import LineageEmitter

PRINCIPAL_TAG = "vault/principal"
PURPOSE_TAG = "vault/purpose"


class VaultResource(dg.ConfigurableResource):
    """The vault home the assets read and write."""

    home: str
    """Vault home: a local folder or an fsspec URL (``s3://bucket/vault``)."""

    master_secret_env: str = "VAULT_MASTER_SECRET"
    """Name (not value) of the environment variable holding the keyring's master secret. When it
    is unset, the secret file outside the vault home is used (see ``vault_core.secrets``)."""

    storage_options: dict[str, Any] = Field(default_factory=dict)
    """Storage options for ``home`` in fsspec's or deltalake's spelling (see
    ``vault_core.storage_options``). Secrets belong in the environment (``AWS_*``), not here."""

    key_provider: dict[str, Any] = Field(default_factory=dict)
    """The key provider, as ``VaultSettings.keys`` (default the local keyring), e.g.
    ``{"kind": "aws_kms", "region": "eu-west-1", "key_ids": {"acme": "alias/acme"}}``."""

    state_dir: str | None = None
    """Local folder for the audit log, access files, event outbox and locks (default: the home
    when local, ``$XDG_STATE_HOME/vault/<digest>`` for a URL home)."""

    principal: str = SERVICE_PRINCIPAL
    """Service principal the assets act as (an id of ``<home>/access/principals.yaml``) when
    the run has no ``vault/principal`` tag."""

    purpose: str | None = None
    """Declared purpose of use when the run has no ``vault/purpose`` tag."""

    _vault: Vault | None = PrivateAttr(default=None)

    def settings(self) -> VaultSettings:
        """The settings of this home (what partition workers open the vault from)."""
        return VaultSettings(
            home=resolve_home(self.home),
            storage_options=self.storage_options,
            state_dir=self.state_dir,
            keys=self.key_provider or {"kind": "local"},
            master_secret_env=self.master_secret_env,
        )

    def get_vault(self) -> Vault:
        """The ``Vault`` for this home acting as the service principal, opened once per
        process."""
        if self._vault is None:
            self._vault = Vault(self.settings(), principal=self.principal, purpose=self.purpose)
        return self._vault

    def vault_for_run(self, tags: Mapping[str, str]) -> Vault:
        """The vault acting for a run: the principal its launcher, schedule or sensor named in
        the ``vault/principal`` tag (and ``vault/purpose``), else the service principal.

        Anyone who can launch a run can set a tag, so a tag is honoured only for principals the
        service principal lists in ``acts_for`` (:class:`AccessDenied` otherwise, audited)."""
        purpose = tags.get(PURPOSE_TAG) or self.purpose
        try:
            return self.get_vault().acting_for(
                tags.get(PRINCIPAL_TAG) or self.principal, purpose=purpose
            )
        except AccessDenied as exc:  # a terminal failure of the step, never retried
            raise dg.Failure(
                description=str(exc),
                allow_retries=False,
                metadata={"error_type": type(exc).__name__},
            ) from None


class MlflowResource(dg.ConfigurableResource):
    """Where each newly registered version is logged as an MLflow dataset (``mlflow.data``, our
    digest and the exact Delta version as its source). Off unless ``enabled``."""

    enabled: bool = False
    """Log registered versions to MLflow."""

    tracking_uri: str | None = None
    """MLflow tracking URI; None: the SQLite store in ``<vault home>/mlflow`` (no server)."""

    experiment: str = "vault-datasets"
    """Experiment holding one run per registered version."""

    def log_version(self, vault: Vault, record: AssetVersion) -> str | None:
        """Log ``record``; its MLflow run id (None when disabled)."""
        if not self.enabled:
            return None
        from vault_core.registry.mlflow import log_registered_version, tracking_uri

        return log_registered_version(
            record,
            tracking_uri=self.tracking_uri or tracking_uri(vault.settings),
            experiment=self.experiment,
        )


class LineageResource(dg.ConfigurableResource):
    """Where each materialization's OpenLineage run events (START, COMPLETE, FAIL) go: nowhere
    (the default), a file of JSON lines, or an OpenLineage HTTP endpoint (Marquez, DataHub...).
    Needs the ``lineage`` extra (``openlineage-python``). A transport error is a warning in the
    step's log, never a failed step."""

    transport: Literal["off", "file", "http"] = "off"
    """``off``, ``file`` (``file_path``) or ``http`` (``url``)."""

    file_path: str | None = None
    """The events file (local path or fsspec URL); None: ``<vault home>/lineage/events.jsonl``."""

    url: str | None = None
    """Base URL of the OpenLineage receiver, e.g. ``http://localhost:5000`` (``http``)."""

    endpoint: str = "api/v1/lineage"
    """Path of the receiver's lineage endpoint under ``url``."""

    timeout_seconds: float = 5.0
    """Seconds to wait for the receiver to answer one event."""

    retries: int = Field(default=2, ge=0)
    """Retries of an event on a connection error or a 5xx answer."""

    api_key_env: str | None = None
    """Name (not value) of the environment variable holding the receiver's API key."""

    namespace: str = "vault"
    """OpenLineage namespace of the jobs (one job per asset: ``<ds>/<stage>``)."""

    # Typed loosely: openlineage-python (the optional extra) is imported only when lineage is on.
    _emitter: Any = PrivateAttr(default=None)

    def emitter(self, settings: VaultSettings) -> LineageEmitter | None:
        """The emitter for this configuration, built once per process (None when off)."""
        if self.transport == "off":
            return None
        if self._emitter is None:
            from vault_core.lineage import LineageEmitter

            if self.transport == "file":
                path = self.file_path or settings.path("lineage", "events.jsonl")
                if "://" not in path:
                    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                self._emitter = LineageEmitter.to_file(path, self.namespace)
            else:
                if not self.url:
                    raise ValueError("LineageResource: transport 'http' needs a url")
                self._emitter = LineageEmitter.to_http(
                    self.url,
                    endpoint=self.endpoint,
                    timeout=self.timeout_seconds,
                    api_key=os.environ.get(self.api_key_env) if self.api_key_env else None,
                    retries=self.retries,
                    namespace=self.namespace,
                )
        return self._emitter


class PiiEngineResource(dg.ConfigurableResource):
    """PII engines, built once per process and per configuration (loading NER is expensive)."""

    _engines: dict[str, PiiEngine] = PrivateAttr(default_factory=dict)

    def engine(self, config: PiiEngineConfig) -> PiiEngine:
        """The engine for ``config``."""
        key = config.model_dump_json()
        if key not in self._engines:
            self._engines[key] = PiiEngine(config)
        return self._engines[key]


class PartitionWorkersResource(dg.ConfigurableResource):
    """Where a step that builds several partitions (a backfilled range) builds them: one after
    the other in the step's process (the default), on ``processes`` worker processes of this
    machine, or on the workers of a Dask cluster (``dask_address``, the ``dask`` extra)."""

    processes: int = Field(default=1, ge=1)
    """Worker processes for the partitions of one step (1: in the step's own process)."""

    dask_address: str | None = None
    """A Dask scheduler (``tcp://host:8786``): partitions go to its workers instead."""

    @contextmanager
    def executor(self) -> Iterator[Executor | None]:
        """The executor for one step (None: in the step's process)."""
        if self.dask_address:
            from distributed import Client

            with Client(self.dask_address, set_as_default=False) as client:
                yield client.get_executor()
        elif self.processes > 1:
            yield process_pool(self.processes)  # kept for the process's next steps
        else:
            yield None


class WebhooksResource(dg.ConfigurableResource):
    """How the event sensor delivers webhooks (subscriptions live in the vault home)."""

    allow_networks: list[str] = Field(default_factory=list)
    """Non-public networks webhook URLs may resolve to, e.g. ``["127.0.0.1/32"]`` for local
    development. Every other private, loopback, link-local or metadata address is refused."""

    allow_networks_env: str = "VAULT_WEBHOOKS_ALLOW_NETWORKS"
    """Name (not value) of an environment variable adding comma-separated networks at run time."""

    timeout_seconds: float = 10.0
    """Seconds to wait for a receiver to connect and answer."""

    max_seconds_per_tick: float = 40.0
    """Stop delivering after this long in one sensor tick (the rest waits for the next)."""

    def networks(self) -> list[str]:
        """The allowed networks: configured ones plus those in the environment variable."""
        from vault_core.events import networks_from_env

        return [*self.allow_networks, *networks_from_env(self.allow_networks_env)]
