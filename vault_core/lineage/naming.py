"""OpenLineage names of the vault's tables: namespace and name from a storage URL, per the
OpenLineage naming spec (``file`` + absolute path locally, ``s3://bucket`` + key on S3)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from openlineage.client.naming import dataset as naming


@dataclass(frozen=True)
class DatasetId:
    """Where a dataset lives, as OpenLineage names it."""

    namespace: str
    name: str


def dataset_id(url: str) -> DatasetId:
    """The OpenLineage ``(namespace, name)`` of a storage URL or local path.

    A local path (or ``file://`` URL) is ``file`` and the absolute path; ``s3://bucket/key`` is
    ``s3://bucket`` and the key; any other scheme is ``scheme://authority`` and the path.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("", "file") or len(scheme) == 1:  # a Windows drive letter is a local path too
        path = parts.path if scheme == "file" else url
        local = naming.LocalFileSystem(path=str(PurePosixPath(path)))
        return DatasetId(local.get_namespace(), local.get_name())
    key = parts.path.strip("/") or "/"
    if scheme in ("s3", "s3a", "s3n"):
        s3 = naming.S3(bucket_name=parts.netloc, object_key=key)
        return DatasetId(s3.get_namespace(), s3.get_name())
    return DatasetId(f"{scheme}://{parts.netloc}", key)
