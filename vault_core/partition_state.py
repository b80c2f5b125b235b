"""What each stage last wrote for each partition: the digest of its inputs, the Delta version and
data version it produced, and its counts (never a value from the data).

One small JSON file per (stage, partition), written after the Delta commit, is what makes a
rerun over unchanged sources cheap: a stage whose inputs digest matches the recorded one skips
the work and reports the recorded result. The file also pins the versions the next stage reads
(the Delta version that holds this partition's rows as this stage wrote them).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import blake3
import fsspec

from vault_core.storage.backends import replace_at
from vault_core.storage_options import StorageOptions, fsspec_options


@dataclass(frozen=True)
class PartitionState:
    """One stage's last result for one partition."""

    stage: str
    partition: str
    inputs_digest: str
    """Digest of everything the result depends on: code version and input data versions."""
    data_version: str
    delta_version: int
    rows: int
    counts: dict[str, Any] = field(default_factory=dict)
    """Counts and small facts of the stage (reasons, findings by type, pinned input versions)."""


class PartitionStateStore:
    """Partition states of one dataset under ``root`` (any fsspec URL or local path)."""

    def __init__(self, root: str, storage_options: StorageOptions | None = None) -> None:
        self.root = root.rstrip("/")
        self._options = fsspec_options(storage_options)

    def _path(self, stage: str, partition: str) -> str:
        name = blake3.blake3(partition.encode("utf-8", "surrogatepass")).hexdigest(length=16)
        return f"{self.root}/{stage}/{name}.json"

    def get(self, stage: str, partition: str) -> PartitionState | None:
        """The state of ``stage`` for ``partition``, or None if it never ran."""
        fs, path = fsspec.core.url_to_fs(self._path(stage, partition), **self._options)
        if not fs.exists(path):
            return None
        data = json.loads(fs.cat_file(path))
        return PartitionState(**data)

    def put(self, state: PartitionState) -> None:
        """Record ``state`` (replaced whole: atomic and fsynced on local disks)."""
        payload = json.dumps(asdict(state), sort_keys=True).encode()
        replace_at(self._path(state.stage, state.partition), payload, self._options)

    def all(self, stage: str) -> list[PartitionState]:
        """Every partition's state of ``stage``, sorted by partition."""
        fs, path = fsspec.core.url_to_fs(f"{self.root}/{stage}", **self._options)
        if not fs.exists(path):
            return []
        states = [
            PartitionState(**json.loads(fs.cat_file(item)))
            for item in fs.ls(path, detail=False)
            if str(item).endswith(".json")
        ]
        return sorted(states, key=lambda s: s.partition)

    def remove(self, stage: str, partition: str) -> None:
        """Forget ``stage``'s state for ``partition``."""
        fs, path = fsspec.core.url_to_fs(self._path(stage, partition), **self._options)
        if fs.exists(path):
            fs.rm(path)
