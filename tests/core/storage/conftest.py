"""Fixtures shared by the storage tests: a fast keyring and a private memory:// root."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from vault_core.crypto import LocalKeyring

FAST_SCRYPT_N = 2**4  # tests only: the real cost (2**15) would dominate the suite


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring(tmp_path / "keys" / "keyring.json", "secret", scrypt_n=FAST_SCRYPT_N)


@pytest.fixture
def memory_url() -> Iterator[str]:
    """A memory:// root of its own, removed afterwards (the memory filesystem is global)."""
    url = f"memory://store-{uuid.uuid4().hex}"
    yield url
    fs = fsspec.filesystem("memory")
    if fs.exists(url):
        fs.rm(url, recursive=True)
