"""What the anonymized zone's checks last found, so that a rerun over unchanged partitions reuses
it instead of reading and validating them again: per (check, partition) the value-free outcome of
an expectation suite; per partition what the residual-PII check found in each of its sampled
records (counts per entity type, by record id), and the estimate whole per set of partitions
(never a value from the data).

Each entry is stored under the digest of everything its outcome depends on (the partitions'
data and Delta versions, the check's definition, the code that computes it); an entry whose
digest differs is a miss and gets replaced. The entries live beside the stages' partition states
(``<dataset>/_state/checks/<check>/``), one small JSON file each, replaced whole (atomic and
fsynced on local disks), so the store stays one file per (check, partition) however often it runs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import blake3
import fsspec

from vault_core import __version__
from vault_core.digest import bytes_digest, combine_digests
from vault_core.storage.backends import replace_at
from vault_core.storage_options import StorageOptions, fsspec_options

WHOLE = "*"
"""The scope of an entry that stands for all the partitions checked (the residual estimate)."""


class CheckCache:
    """Cached check outcomes of one dataset under ``root`` (any fsspec URL or local path)."""

    def __init__(self, root: str, storage_options: StorageOptions | None = None) -> None:
        self.root = root.rstrip("/")
        self._options = fsspec_options(storage_options)

    def _path(self, check: str, scope: str) -> str:
        return f"{self.root}/{check}/{_name(scope)}.json"

    def get(self, check: str, scope: str, key: str) -> dict[str, Any] | None:
        """The outcome ``check`` stored for ``scope`` (a partition, or :data:`WHOLE`) under
        ``key``; None when there is none, or one stored under another key."""
        fs, path = fsspec.core.url_to_fs(self._path(check, scope), **self._options)
        if not fs.exists(path):
            return None
        try:
            entry = json.loads(fs.cat_file(path))
        except ValueError:  # a torn write on a store without atomic replace: recomputed
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        outcome = entry.get("outcome")
        return outcome if isinstance(outcome, dict) else None

    def put(self, check: str, scope: str, key: str, outcome: dict[str, Any]) -> None:
        """Record ``outcome`` (JSON-ready, value-free) for ``scope`` under ``key``."""
        payload = json.dumps({"key": key, "outcome": outcome}, sort_keys=True).encode()
        replace_at(self._path(check, scope), payload, self._options)

    def forget(self, scope: str) -> None:
        """Drop every check's entry for ``scope`` (a partition purged for good)."""
        fs, root = fsspec.core.url_to_fs(self.root, **self._options)
        if not fs.exists(root):
            return
        for folder in fs.ls(root, detail=False):
            if fs.exists(path := f"{folder}/{_name(scope)}.json"):
                fs.rm(path)


def _name(scope: str) -> str:
    return blake3.blake3(scope.encode("utf-8", "surrogatepass")).hexdigest(length=16)


def entry_key(**parts: Any) -> str:
    """One digest over named parts (each made JSON, keys sorted)."""
    return combine_digests(
        {name: json.dumps(value, sort_keys=True, default=str) for name, value in parts.items()}
    )


@cache
def code_version(modules: tuple[str, ...], distributions: tuple[str, ...] = ()) -> str:
    """Digest of the source of ``modules`` (a package: every ``.py`` file under it) and of the
    installed versions of ``distributions``: any edit of the code that computes an outcome, or
    another release of a library it runs, makes the cached outcomes stale."""
    parts = {"vault": __version__}
    for name in modules:
        parts[f"module:{name}"] = _source_digest(name)
    for dist in distributions:
        try:
            parts[f"dist:{dist}"] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            parts[f"dist:{dist}"] = "absent"
    return combine_digests(parts)


def _source_digest(module: str) -> str:
    # find_spec imports the parent packages only, never the module: Great Expectations and
    # spaCy stay out of the worker.
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return "unknown"
    origin = Path(spec.origin)
    if spec.submodule_search_locations:  # a package: all of its files
        files = sorted(origin.parent.rglob("*.py"))
        return combine_digests(
            {str(f.relative_to(origin.parent)): bytes_digest(f.read_bytes()) for f in files}
        )
    try:
        return bytes_digest(origin.read_bytes())
    except OSError:  # no source shipped (bytecode only): the release stands for it
        return "unknown"
