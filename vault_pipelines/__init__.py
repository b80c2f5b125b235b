"""vault_pipelines: vault datasets as Dagster assets, checks, jobs and resources."""

from vault_pipelines.factory import asset_key as asset_key
from vault_pipelines.factory import dataset_assets as dataset_assets
from vault_pipelines.resources import PiiEngineResource as PiiEngineResource
from vault_pipelines.resources import VaultResource as VaultResource

__all__ = ["PiiEngineResource", "VaultResource", "asset_key", "dataset_assets"]
