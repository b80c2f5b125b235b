"""Hyperscan block-mode databases, compiled the one way every pass of the scan compiles them, and
kept on disk so that a new process loads them instead of compiling them again.

A process that loads a PII engine compiled ~0.55 s of databases (one of 0.38 s), and Dagster's
default executor runs each step in a new process: the findings and anonymized steps of every
partition paid it. Loading a stored database takes ~0.1 ms. The file's name is a digest of
everything the compile reads (the expressions, flags, ids, mode and Hyperscan's version), so
a changed detector is a new file, never a stale one; its content starts with a digest of the
database, checked before loading (Hyperscan loaded a database whose last bytes were
overwritten without complaint). A database Hyperscan refuses (another CPU's, say) is compiled
again and replaces the file. The cache lives in ``$VAULT_CACHE_DIR/hyperscan`` (default
``$XDG_CACHE_HOME/vault``, else ``~/.cache/vault``); ``VAULT_CACHE_DIR=off`` compiles in every
process. It holds compiled detector patterns only, no data.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import hyperscan

logger = logging.getLogger(__name__)

CACHE_ENV = "VAULT_CACHE_DIR"
_DIGEST_BYTES = 32


def compiled(
    expressions: Sequence[str], flags: int, ids: Sequence[int] | None = None
) -> hyperscan.Database:
    """``expressions`` (UTF-8 encoded) compiled in block mode, each with ``flags``; match ids
    are ``ids``, or the expressions' positions. Loaded from the cache when it holds them.

    Raises:
        hyperscan.error: If Hyperscan rejects an expression (callers that can do without
            Hyperscan catch it).
    """
    encoded = [expression.encode("utf-8") for expression in expressions]
    numbers = list(range(len(expressions))) if ids is None else [int(i) for i in ids]
    path = _cached_path(encoded, flags, numbers)
    database = _load(path) if path is not None else None
    if database is None:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=encoded, ids=numbers, elements=len(encoded), flags=[flags] * len(encoded)
        )
        if path is not None:
            _store(path, database)
    return database


def cache_dir() -> Path | None:
    """Where compiled databases are kept (``None``: not kept)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off") else Path(configured) / "hyperscan"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home (an arbitrary container user): no cache
            return None
    return Path(base) / "vault" / "hyperscan"


def _cached_path(encoded: list[bytes], flags: int, ids: list[int]) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    key = json.dumps([_version(), hyperscan.HS_MODE_BLOCK, flags, ids, [e.hex() for e in encoded]])
    return directory / f"{hashlib.sha256(key.encode()).hexdigest()}.hsdb"


@functools.cache
def _version() -> str:
    """The hyperscan package's version (it pins the library it bundles: a new one is a new
    key). Read when first needed: the package metadata lookup costs ~75 ms."""
    return importlib.metadata.version("hyperscan")


def _load(path: Path) -> hyperscan.Database | None:
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    digest, blob = stored[:_DIGEST_BYTES], stored[_DIGEST_BYTES:]
    if hashlib.sha256(blob).digest() != digest:
        logger.debug("hyperscan cache file %s is damaged: compiling", path.name)
        return None
    try:
        database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)
    except hyperscan.error as exc:
        logger.debug("hyperscan refused cache file %s (%s): compiling", path.name, exc)
        return None
    return database


def _store(path: Path, database: hyperscan.Database) -> None:
    """Write the database after its digest, atomically (a concurrent writer's file holds the
    same bytes); a cache that cannot be written is skipped."""
    try:
        blob = hyperscan.dumpb(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except (OSError, hyperscan.error) as exc:
        logger.debug("hyperscan cache not written (%s)", type(exc).__name__)
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(hashlib.sha256(blob).digest() + blob)
        os.replace(temporary, path)
    except OSError as exc:
        logger.debug("hyperscan cache not written (%s)", type(exc).__name__)
        Path(temporary).unlink(missing_ok=True)
