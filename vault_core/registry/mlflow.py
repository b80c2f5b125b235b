"""MLflow link: dataset versions as run inputs, model versions as registry assets.

A run logs a registry version as an ``mlflow.data`` input whose digest is ours (MLflow's own is 8
hex characters) and whose source is the exact Delta version. Linking an MLflow model version
registers it in our registry as a ``model`` that depends on those dataset versions, so
``Registry.impact(dataset)`` lists it. Tracking stays in a local folder under the vault home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vault_core.registry.exceptions import IntegrityError
from vault_core.registry.records import AssetKind, AssetVersion, Provenance, VersionCandidate
from vault_core.registry.registry import Registry
from vault_core.settings import VaultSettings

DATASETS_TAG = "vault.datasets"
DIGEST_TAG = "vault.digest"
DELTA_VERSION_TAG = "vault.delta_version"
VERSION_KEY_TAG = "vault.version_key"
"""Tag of the MLflow run that records a registered version (``name@version``)."""
MLFLOW_DIGEST_CHARS = 35
"""MLflow caps a dataset digest at 36 characters: ``b3:`` + 128 bits of our BLAKE3 digest; the
full digest travels in the ``vault.digest`` input tag."""


def tracking_uri(settings: VaultSettings) -> str:
    """The default MLflow tracking URI: a SQLite file in ``<state>/mlflow`` (the home's local
    state folder, see ``VaultSettings.state_dir``; never a server;
    MLflow 3 refuses its plain-folder store unless ``MLFLOW_ALLOW_FILE_STORE`` is set)."""
    folder = Path(settings.local_path("mlflow"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def _dataset(record: AssetVersion) -> Any:
    """The ``mlflow.data`` dataset of a registry version: our digest, the exact Delta version."""
    from mlflow.data.delta_dataset_source import DeltaDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    source = DeltaDatasetSource(path=record.storage_url, delta_table_version=record.delta_version)
    return MetaDataset(  # type: ignore[abstract]  # MLflow's own class, usable as documented
        source=source, name=record.key, digest=record.data_version[:MLFLOW_DIGEST_CHARS]
    )


def _input_tags(record: AssetVersion, context: str) -> dict[str, str]:
    # MLflow's DeltaDatasetSource leaves out a table version of 0 (falsy) from its JSON, which
    # then reads as "the latest": the exact Delta version travels in a tag of ours as well.
    return {
        "mlflow.data.context": context,
        "vault.version": record.version,
        DIGEST_TAG: record.data_version,
        DELTA_VERSION_TAG: str(record.delta_version),
    }


def log_dataset(
    registry: Registry, name: str, version: str | None = None, *, context: str = "training"
) -> AssetVersion:
    """Log a registry version as an input of the active MLflow run; return that version."""
    import mlflow

    record = registry.get(name, version)
    tags = _input_tags(record, context)
    del tags["mlflow.data.context"]  # log_input sets it from ``context``
    mlflow.log_input(_dataset(record), context=context, tags=tags)
    return record


def log_run_input(client: Any, run_id: str, record: AssetVersion, context: str) -> None:
    """Log ``record`` as an input of the MLflow run ``run_id`` (through ``client``, no active
    run: nothing global changes)."""
    from mlflow.entities import DatasetInput, InputTag

    tags = [InputTag(key, value) for key, value in _input_tags(record, context).items()]
    client.log_inputs(run_id, datasets=[DatasetInput(_dataset(record)._to_mlflow_entity(), tags)])


def log_registered_version(
    record: AssetVersion,
    *,
    tracking_uri: str,
    experiment: str,
    tags: dict[str, str] | None = None,
) -> str:
    """Record a newly registered version in MLflow: a run named ``name@version`` in
    ``experiment`` whose input is the version's ``mlflow.data`` dataset. Idempotent: a run
    already logged for that version is returned. Returns the MLflow run id."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    logged = client.search_runs(
        [experiment_id], filter_string=f"tags.`{VERSION_KEY_TAG}` = '{record.key}'", max_results=1
    )
    if logged:
        return str(logged[0].info.run_id)
    run = client.create_run(
        experiment_id,
        run_name=record.key,
        tags={VERSION_KEY_TAG: record.key, DIGEST_TAG: record.data_version, **(tags or {})},
    )
    log_run_input(client, run.info.run_id, record, "registered")
    client.set_terminated(run.info.run_id)
    return str(run.info.run_id)


def _run_datasets(registry: Registry, run: Any) -> dict[str, str]:
    """Registry name -> version of every vault dataset the run logged (digests verified)."""
    found: dict[str, str] = {}
    for item in run.inputs.dataset_inputs:
        key = str(item.dataset.name)
        if "@" not in key:
            continue
        name, version = key.split("@", 1)
        record = registry.get(name, version)
        tags = {tag.key: tag.value for tag in item.tags}
        logged = tags.get(DIGEST_TAG, str(item.dataset.digest))
        if not record.data_version.startswith(logged):
            raise IntegrityError(record.key, record.data_version, logged)
        found[name] = version
    return found


def link_model_version(
    registry: Registry, model_name: str, model_version: str, *, client: Any = None
) -> AssetVersion:
    """Register an MLflow model version as a registry ``model`` depending on the dataset
    versions its run logged, and tag the model version with them."""
    from mlflow.tracking import MlflowClient

    client = client or MlflowClient()
    model = client.get_model_version(model_name, model_version)
    run = client.get_run(model.run_id)
    datasets = _run_datasets(registry, run)
    client.set_model_version_tag(
        model_name, model_version, DATASETS_TAG, ",".join(f"{n}@{v}" for n, v in datasets.items())
    )
    record, _ = registry.register(
        VersionCandidate(
            name=model_name,
            kind=AssetKind.MODEL,
            data_version=f"mlflow:{model_name}/{model_version}",
            code_version=str(model.run_id),
            schema_fingerprint="mlflow-model",
            row_count=0,
            storage_url=str(model.source),
            depends_on=datasets,
            run_id=str(model.run_id),
            annotations={"mlflow.model": model_name, "mlflow.version": str(model_version)},
            provenance=Provenance(run_id=str(model.run_id), code_version=str(model.run_id)),
        )
    )
    return record
