"""``vault mlflow link``: tie an MLflow model version to the dataset versions it was trained on.

Each ``--dataset NAME@SEMVER`` is logged as an ``mlflow.data`` input of the model version's run
(our digest, the exact Delta version as source) unless that run already has it; the model version
is then registered in the vault's registry as a ``model`` depending on every dataset version its
run logged (``vault registry impact`` lists it). The tracking store defaults to the SQLite file
under the vault home (no server).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from vault_pipelines.commands._common import settings_from


def _dataset_ref(text: str) -> tuple[str, str]:
    name, _, version = text.partition("@")
    if not name or not version:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME@SEMVER (e.g. customers@1.1.0)")
    return name, version


def _link(args: argparse.Namespace) -> int:
    from mlflow.tracking import MlflowClient

    from vault_core.registry.mlflow import link_model_version, log_run_input, tracking_uri
    from vault_core.vault import Vault

    settings = settings_from(args)
    registry = Vault(settings).registry
    uri = args.tracking_uri or tracking_uri(settings)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    model = client.get_model_version(args.model, args.version)
    logged = {item.dataset.name for item in client.get_run(model.run_id).inputs.dataset_inputs}
    for name, version in args.dataset or []:
        record = registry.get(name, version)
        if record.key not in logged:
            log_run_input(client, model.run_id, record, "training")
    record = link_model_version(registry, args.model, args.version, client=client)
    print(
        json.dumps(
            {**record.summary(), "depends_on": record.depends_on, "tracking_uri": uri}, indent=2
        )
    )
    return 0


def add_commands(commands: Any) -> None:
    """Register the ``mlflow`` subcommands (link)."""
    mlflow = commands.add_parser("mlflow", help="link MLflow models to dataset versions")
    sub = mlflow.add_subparsers(dest="mlflow_command", required=True)
    link = sub.add_parser("link", help="register an MLflow model version with its datasets")
    link.add_argument("model", help="registered MLflow model name")
    link.add_argument("version", help="its model version")
    link.add_argument(
        "--dataset",
        action="append",
        type=_dataset_ref,
        help="NAME@SEMVER it was trained on (repeatable; added to the model's run inputs)",
    )
    link.add_argument(
        "--tracking-uri", help="MLflow tracking URI (default: the SQLite store in <home>/mlflow)"
    )
    link.set_defaults(handler=_link)
