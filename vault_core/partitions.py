"""Partitions of a dataset: which landing files make each one, and how they are keyed.

A dataset without partitioning is one partition, :data:`UNPARTITIONED`. Time windows (hourly,
daily, monthly) name their files through ``{date}`` or ``{date:<strftime>}`` in the source; a
``files`` dataset has one partition per landing file, keyed by its path relative to the glob's
fixed folder. File names are data as much as column names are (a file may be named after a
customer): a path in which the pattern detectors find PII is keyed by a digest instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import blake3
import fsspec

from vault_core.dataset import TIME_WINDOWS, DatasetSpec
from vault_core.exceptions import ConfigurationError
from vault_core.storage_options import fsspec_options

UNPARTITIONED = "all"
"""The one partition of a dataset without partitioning."""

KEY_FORMATS = {"hourly": "%Y-%m-%d-%H:%M", "daily": "%Y-%m-%d", "monthly": "%Y-%m-%d"}
"""Partition key formats of Dagster's hourly, daily and monthly partitions."""

_DATE = re.compile(r"\{date(?::([^}]*))?\}")
_STRFTIME_PATTERNS = {
    "%Y": r"\d{4}",
    "%m": r"\d{2}",
    "%d": r"\d{2}",
    "%H": r"\d{2}",
    "%M": r"\d{2}",
}
_UNSAFE_IN_KEY = ",[]\\"


@dataclass(frozen=True)
class LandingFile:
    """One landing file as listed (not read): its URL, size, change fingerprint and partition."""

    url: str
    size: int
    fingerprint: str
    """ETag where the store has one, else the modification time: changes when the file does."""
    partition: str


def glob_root(source: str) -> str:
    """The fixed folder of a glob: everything before the first path part with a wildcard."""
    parts = source.split("/")
    for index, part in enumerate(parts):
        if any(char in part for char in "*?[{"):
            return "/".join(parts[:index])
    return "/".join(parts[:-1])


def file_partition_key(url: str, root: str) -> str:
    """The stable partition key of a landing file of a ``files`` dataset."""
    relative = url.split(root.rstrip("/").split("://")[-1], 1)[-1].lstrip("/")
    if _holds_pii(relative):
        return "file-" + blake3.blake3(relative.encode("utf-8", "surrogatepass")).hexdigest(
            length=12
        )
    key = quote(relative, safe="/ -_.@:+=~()!$&'*;")
    for unsafe in _UNSAFE_IN_KEY:
        key = key.replace(unsafe, quote(unsafe))
    return key.replace("...", "%2E%2E%2E")


def _holds_pii(path: str) -> bool:
    from vault_core.columns import names_hold_pii  # the pattern engine, loaded on first use

    return names_hold_pii([path.replace("/", " ").replace("_", " ")])[0]


def time_partition_of(spec: DatasetSpec, url: str) -> str | None:
    """The time-window key of a landing file, read off its path; None if it does not match."""
    if spec.partitioning not in TIME_WINDOWS:
        raise ConfigurationError(f"{spec.name} is not partitioned by time windows")
    pattern, formats = _window_pattern(spec.source)
    found = pattern.fullmatch(url.split("://")[-1])
    if not found:
        return None
    stamp = found.group("date")
    window = datetime.strptime(stamp, formats or KEY_FORMATS[spec.partitioning])
    if spec.partitioning == "monthly":
        window = window.replace(day=1)
    if spec.partitioning == "hourly":
        window = window.replace(minute=0)
    return window.strftime(KEY_FORMATS[spec.partitioning])


def _window_pattern(source: str) -> tuple[re.Pattern[str], str | None]:
    text = source.split("://")[-1]
    match = _DATE.search(text)
    assert match is not None
    fmt = match.group(1)
    date_regex = fmt or "%Y-%m-%d(?:-%H:%M)?"
    for code, regex in _STRFTIME_PATTERNS.items():
        date_regex = date_regex.replace(code, regex)
    before, after = text[: match.start()], text[match.end() :]

    def glob_regex(part: str) -> str:
        return "".join(
            "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char) for char in part
        )

    pattern = glob_regex(before) + f"(?P<date>{date_regex})" + glob_regex(after)
    return re.compile(pattern), fmt


def list_landing_files(
    spec: DatasetSpec, storage_options: dict[str, Any] | None = None
) -> list[LandingFile]:
    """Every landing file of the dataset with its partition key, listed without reading data."""
    options = storage_options if storage_options is not None else dict(spec.storage_options)
    glob = _DATE.sub("*", spec.source)
    fs, path = fsspec.core.url_to_fs(glob, **fsspec_options(options))
    infos: dict[str, dict[str, Any]] = fs.glob(path, detail=True)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    found = []
    for file_path, info in sorted(infos.items()):
        if info.get("type") == "directory":
            continue
        url = file_path if protocol in ("file", "local") else str(fs.unstrip_protocol(file_path))
        key = _partition_of(spec, url)
        if key is None:
            continue
        found.append(LandingFile(url, int(info.get("size") or 0), _fingerprint(info), key))
    return found


def _partition_of(spec: DatasetSpec, url: str) -> str | None:
    if spec.partitioning == "none":
        return UNPARTITIONED
    if spec.partitioning == "files":
        return file_partition_key(url, glob_root(spec.source))
    return time_partition_of(spec, url)


def _fingerprint(info: dict[str, Any]) -> str:
    for name in ("ETag", "etag", "e_tag"):
        if info.get(name):
            return f"etag:{str(info[name]).strip(chr(34))}"
    for name in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(name)
        if value is not None:
            stamp = value.timestamp() if hasattr(value, "timestamp") else float(value)
            return f"mtime:{stamp:.6f}"
    return f"size:{info.get('size')}"


def partition_files(
    spec: DatasetSpec, key: str, storage_options: dict[str, Any] | None = None
) -> list[LandingFile]:
    """The landing files of partition ``key`` (listed now), in URL order."""
    return [f for f in list_landing_files(spec, storage_options) if f.partition == key]


def group_by_partition(files: Iterable[LandingFile]) -> dict[str, list[LandingFile]]:
    """Landing files by partition key, each list in URL order."""
    grouped: dict[str, list[LandingFile]] = {}
    for landing in files:
        grouped.setdefault(landing.partition, []).append(landing)
    return grouped
