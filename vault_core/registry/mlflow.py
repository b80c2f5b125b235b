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


def log_dataset(
    registry: Registry, name: str, version: str | None = None, *, context: str = "training"
) -> AssetVersion:
    """Log a registry version as an input of the active MLflow run; return that version."""
    import mlflow
    from mlflow.data.delta_dataset_source import DeltaDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    record = registry.get(name, version)
    source = DeltaDatasetSource(path=record.storage_url, delta_table_version=record.delta_version)
    dataset = MetaDataset(  # type: ignore[abstract]  # MLflow's own class, usable as documented
        source=source, name=record.key, digest=record.data_version[:MLFLOW_DIGEST_CHARS]
    )
    tags = {"vault.version": record.version, DIGEST_TAG: record.data_version}
    mlflow.log_input(dataset, context=context, tags=tags)
    return record


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
