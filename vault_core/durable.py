"""Durable files on a local disk: the one place the vault calls ``fsync``.

A file survives a crash only when its data *and* the directory entry naming it reach the disk,
so every helper fsyncs the file, then the directory it changed (and each parent a new folder
was added to). Writers that must never show a torn file write a temporary file beside the
target and then name it: :func:`replace_file` (``rename``, last writer wins) or
:func:`publish_file` (``link``, which fails if the name exists: write-once). It sits at the
bottom of ``vault_core`` (only ``os``): ``crypto``, ``storage``, ``audit`` and the rest use it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO

__all__ = [
    "append_file",
    "create_exclusive",
    "fsync_dir",
    "makedirs",
    "publish_file",
    "replace_file",
]

TEMP_PREFIX = ".tmp-"
"""Temporary files start with this (garbage collection of the store looks for it)."""

# link() is refused on some FUSE/SMB mounts: publish_file then falls back to rename.
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}


def fsync_dir(directory: str) -> None:
    """Flush a change of the entries of ``directory`` (create, rename, link, unlink)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def makedirs(directory: str, mode: int = 0o777) -> None:
    """Create ``directory`` and missing parents, fsyncing each parent that gained an entry.

    ``mode`` applies to ``directory`` itself, as in :func:`os.makedirs`; parents get the default.
    """
    missing: list[str] = []
    current = directory = directory or "."
    while not os.path.isdir(current):
        missing.append(current)
        current = _parent(current)
    for path in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(path, mode if path == directory else 0o777)
        fsync_dir(_parent(path))


def replace_file(
    path: str, data: bytes, *, dir_mode: int = 0o777, file_mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never a part.

    The file gets mode 0600 (``mkstemp``) unless ``file_mode`` is given; ``dir_mode`` applies to
    folders created.
    """
    directory = _parent(path)
    makedirs(directory, dir_mode)
    tmp = _write_temp(directory, data)
    try:
        if file_mode is not None:
            os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(directory)


def publish_file(path: str, data: bytes, *, dir_mode: int = 0o777) -> bool:
    """Create ``path`` holding ``data`` only if it is absent; False if it already existed.

    Readers never see a partial file. Where hard links are refused, a racing writer may
    replace the file (``rename``): callers publish only content any winner would write alike.
    """
    directory = _parent(path)
    makedirs(directory, dir_mode)
    tmp = _write_temp(directory, data)
    try:
        try:
            # link() fails if the name exists, unlike rename(): a write-once publish.
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINK_ERRNOS or os.path.exists(path):
                raise
            os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(directory)
    return True


@contextmanager
def create_exclusive(path: str) -> Iterator[BinaryIO]:
    """Stream a new file to ``path`` (which must not exist): durable on exit, removed on error.

    For files named by a fresh random name (no temporary name needed: nobody else opens it).

    Raises:
        FileExistsError: ``path`` exists.
    """
    directory = _parent(path)
    makedirs(directory)
    handle = open(path, "xb")  # noqa: SIM115 (closed below, before the directory fsync)
    try:
        try:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            handle.close()
    except BaseException:
        with suppress(OSError):
            os.unlink(path)
        raise
    fsync_dir(directory)


def append_file(path: str, data: bytes) -> None:
    """Append ``data`` to ``path`` (created with mode 0600 if absent) with one write and fsync."""
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        created = True
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # a new name in the directory: make it durable too
        fsync_dir(_parent(path))


def _parent(path: str) -> str:
    return os.path.dirname(path) or "."


def shared_file_mode(path: str) -> int:
    """The mode a file other accounts may read keeps when replaced: its current mode, or 0644
    less the umask for a new one (what ``open`` would have given it)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o644 & ~umask


def _write_temp(directory: str, data: bytes) -> str:
    """A fsynced temporary file holding ``data`` in ``directory`` (mode 0600); its path."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp
