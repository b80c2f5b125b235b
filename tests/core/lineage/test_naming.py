"""OpenLineage names of storage URLs (the naming spec: ``file`` + path, ``s3://bucket`` + key)."""

from __future__ import annotations

import pytest

from vault_core.lineage import DatasetId, dataset_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/srv/vault/datasets/t/anonymized", DatasetId("file", "/srv/vault/datasets/t/anonymized")),
        ("file:///srv/vault/registry/versions", DatasetId("file", "/srv/vault/registry/versions")),
        (
            "s3://bucket/vault/datasets/t/raw_manifest",
            DatasetId("s3://bucket", "vault/datasets/t/raw_manifest"),
        ),
        ("s3a://bucket/landing/", DatasetId("s3://bucket", "landing")),
        ("gs://bucket/vault/t", DatasetId("gs://bucket", "vault/t")),
    ],
)
def test_a_storage_url_is_named_per_the_naming_spec(url: str, expected: DatasetId) -> None:
    assert dataset_id(url) == expected
