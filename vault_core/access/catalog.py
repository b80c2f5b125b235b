"""Which tenant owns each dataset, its classification and allowed purposes: the datasets file
(``<home>/access/datasets.yaml``). Pipelines record a dataset there from its ``DatasetSpec`` when
they first build it (:meth:`DatasetCatalog.claim`); an admin may edit it. A dataset not listed
belongs to tenant ``default``, classification ``confidential``, any purpose."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

import yaml
from pydantic import BaseModel, ConfigDict, Field

from vault_core.access._yaml_lines import load_yaml_model
from vault_core.access.exceptions import AccessDenied, DatasetsFileError
from vault_core.access.principal import DEFAULT_TENANT, Level
from vault_core.durable import replace_file, shared_file_mode


class DatasetAccess(BaseModel):
    """What the access policy knows about one dataset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str = Field(default=DEFAULT_TENANT, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    classification: Level = Level.CONFIDENTIAL
    allowed_purposes: tuple[str, ...] = ()
    """Declared purposes of use a reader must give (empty: any purpose)."""


class DatasetsFile(BaseModel):
    """Schema of ``datasets.yaml``."""

    model_config = ConfigDict(extra="forbid")

    datasets: dict[str, DatasetAccess] = Field(default_factory=dict)


class DatasetCatalog:
    """The datasets file, re-read when it changes on disk."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._file = DatasetsFile()

    def get(self, dataset: str) -> DatasetAccess:
        """The dataset's access attributes (defaults when unlisted)."""
        return self._current().datasets.get(dataset, DatasetAccess())

    def all(self) -> dict[str, DatasetAccess]:
        """Every listed dataset."""
        return dict(self._current().datasets)

    def claim(self, dataset: str, access: DatasetAccess) -> bool:
        """Record ``dataset`` as ``access`` says, if unlisted; True when written.

        A dataset listed for another tenant is refused (:class:`AccessDenied`): a name belongs
        to one tenant. Other attributes already listed are kept (the file wins: an admin may
        have raised a classification).
        """
        with self._locked():
            current = self._current()
            listed = current.datasets.get(dataset)
            if listed is not None:
                if listed.tenant != access.tenant:
                    raise AccessDenied(
                        f"tenant:{access.tenant}",
                        "claim",
                        f"dataset {dataset}",
                        "owned by another tenant",
                    )
                return False
            datasets = {**current.datasets, dataset: access}
            self._write(DatasetsFile(datasets=dict(sorted(datasets.items()))))
            return True

    def _current(self) -> DatasetsFile:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._file = None, DatasetsFile()
            return self._file
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
            self._file = load_yaml_model(text, self.path, DatasetsFile, DatasetsFileError)
            self._stamp = stamp
        return self._file

    def _write(self, datasets: DatasetsFile) -> None:
        body = yaml.safe_dump(datasets.model_dump(mode="json"), sort_keys=False)
        header = (
            "# Tenant, classification (public|internal|confidential|restricted) and allowed\n"
            "# purposes of each dataset. Unlisted datasets: tenant default, confidential.\n"
        )
        replace_file(self.path, (header + body).encode(), file_mode=shared_file_mode(self.path))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
