"""What a landing-zone sensor asks for: the partitions whose files changed since its cursor.

Pure logic, no Dagster and no I/O: :func:`plan_landing` compares a listing of the landing zone
(:func:`vault_core.partitions.list_landing_files`) with the cursor of the previous evaluation and
says which partitions to run, under which run key, and what waits. ``vault_pipelines.sensors``
turns the plan into a Dagster ``SensorResult``.

Rules:

- A file is *settled* when its size and fingerprint are the same on two consecutive evaluations,
  or when its fingerprint is a modification time older than ``settle_seconds``. Object stores
  fingerprint by ETag and give no such time here, so a new object waits for one more evaluation.
- A partition is requested only when every one of its new or changed files is settled (a run reads
  every file of its partition, so one half-written file holds the whole partition back) and, when
  the caller says so, the partition exists (a time window that is still open, or before the
  dataset's start, waits).
- The run key digests the partition, the URL, size and fingerprint of each of its files, and the
  cursor's request sequence number: an evaluation replayed from the same cursor (a restart before
  the cursor was stored) gives the same keys, so Dagster never launches its runs twice, while a
  later evaluation always gives new keys, even when a file returns to an earlier state (A, then
  B, then A again must run three times; content digests alone would skip the third).
- Removed files are dropped from the cursor and reported; they request nothing.
- The cursor remembers a file only once its partition is requested, so a plan never loses a file:
  the caller stores the new cursor together with the run requests, or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import blake3

from vault_core.exceptions import LandingCursorError
from vault_core.partitions import LandingFile

DEFAULT_SETTLE_SECONDS = 30.0
"""A file whose modification time is older than this counts as settled on first sight."""

CURSOR_VERSION = 1
_SHOWN_KEYS = 10


@dataclass(frozen=True)
class Observation:
    """What the cursor remembers of one landing file (its URL is the key)."""

    size: int
    fingerprint: str
    partition: str

    @classmethod
    def of(cls, landing: LandingFile) -> Observation:
        """The observation of a listed file."""
        return cls(landing.size, landing.fingerprint, landing.partition)


@dataclass(frozen=True)
class LandingCursor:
    """The sensor's memory between evaluations, serialized as JSON in the Dagster cursor."""

    files: Mapping[str, Observation] = field(default_factory=dict)
    """Files whose partition was requested, as they were then."""
    pending: Mapping[str, Observation] = field(default_factory=dict)
    """New or changed files seen but not requested yet (not settled, or their partition waits),
    as they were at the last evaluation."""
    sequence: int = 0
    """How many evaluations requested runs so far; part of every run key."""

    def to_json(self) -> str:
        """Compact JSON: ``{"v": 1, "seq": n, "files": {url: [size, fingerprint, partition]},
        "pending": {...}}``."""
        return json.dumps(
            {
                "v": CURSOR_VERSION,
                "seq": self.sequence,
                "files": _encode(self.files),
                "pending": _encode(self.pending),
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None) -> LandingCursor:
        """The cursor stored by :meth:`to_json`; an empty one for a sensor never evaluated.

        Raises:
            LandingCursorError: the text is not a cursor of this version.
        """
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("v") != CURSOR_VERSION:
                raise LandingCursorError(
                    f"landing cursor version {data.get('v')!r} is not {CURSOR_VERSION}; reset the "
                    "sensor's cursor (runs already launched are not repeated: same run keys)"
                )
            sequence = data["seq"]
            if not isinstance(sequence, int):
                raise TypeError("malformed cursor sequence")
            return cls(_decode(data["files"]), _decode(data["pending"]), sequence)
        except LandingCursorError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LandingCursorError(
                "the landing sensor's cursor is not readable; reset it (runs already launched "
                "are not repeated: same run keys)"
            ) from exc


def _encode(files: Mapping[str, Observation]) -> dict[str, list[object]]:
    return {url: [seen.size, seen.fingerprint, seen.partition] for url, seen in files.items()}


def _decode(data: Mapping[str, Sequence[object]]) -> dict[str, Observation]:
    decoded = {}
    for url, (size, fingerprint, partition) in data.items():
        if not isinstance(size, int) or not isinstance(fingerprint, str):
            raise TypeError("malformed cursor entry")
        decoded[str(url)] = Observation(size, fingerprint, str(partition))
    return decoded


@dataclass(frozen=True)
class PartitionRequest:
    """One run to request: a partition whose files changed, all of them settled."""

    partition: str
    run_key: str
    files: int
    """Files in the partition now."""
    new: int
    changed: int


@dataclass(frozen=True)
class LandingPlan:
    """The outcome of one evaluation. Counts and partition keys only: never a file name."""

    requests: tuple[PartitionRequest, ...]
    cursor: LandingCursor
    new: int = 0
    """New files in the requested partitions."""
    changed: int = 0
    """Changed files in the requested partitions."""
    unchanged: int = 0
    waiting: int = 0
    """Files not settled yet (still being written, or seen once only)."""
    waiting_partitions: tuple[str, ...] = ()
    held: int = 0
    """Settled files whose partition waits for another file or does not exist yet."""
    not_yet_partitions: tuple[str, ...] = ()
    """Partitions that do not exist (yet): an open time window, or one before the start."""
    removed: int = 0
    removed_partitions: tuple[str, ...] = ()

    @property
    def requested_partitions(self) -> tuple[str, ...]:
        """The partitions to run, in key order."""
        return tuple(request.partition for request in self.requests)

    def summary(self) -> str:
        """One line for the sensor's log and skip reason."""
        parts = [
            f"{len(self.requests)} partition(s) requested{_keys(self.requested_partitions)}",
            f"{self.new} new file(s), {self.changed} changed, {self.unchanged} unchanged",
            f"{self.waiting} file(s) not settled yet{_keys(self.waiting_partitions)}",
        ]
        if self.held or self.not_yet_partitions:
            parts.append(
                f"{self.held} settled file(s) held back with their partition; "
                f"partitions not open yet{_keys(self.not_yet_partitions)}"
            )
        parts.append(
            f"{self.removed} file(s) removed{_keys(self.removed_partitions)}, nothing re-run"
        )
        return "; ".join(parts)


def _keys(keys: Sequence[str]) -> str:
    if not keys:
        return ""
    shown = ", ".join(keys[:_SHOWN_KEYS])
    more = f", +{len(keys) - _SHOWN_KEYS} more" if len(keys) > _SHOWN_KEYS else ""
    return f" ({shown}{more})"


def modified_at(fingerprint: str) -> float | None:
    """The modification time (epoch seconds) a fingerprint holds, if it is one."""
    if fingerprint.startswith("mtime:"):
        try:
            return float(fingerprint.removeprefix("mtime:"))
        except ValueError:
            return None
    return None


def run_key(partition: str, files: Iterable[LandingFile], sequence: int) -> str:
    """A digest of a partition, the URL, size and fingerprint of each of its files, and the
    cursor's request sequence number (see the module docstring for why)."""
    state = sorted((landing.url, landing.size, landing.fingerprint) for landing in files)
    payload = json.dumps([partition, state, sequence], separators=(",", ":"), ensure_ascii=False)
    digest = blake3.blake3(payload.encode("utf-8", "surrogatepass")).hexdigest(length=16)
    return f"landing-{digest}"


def plan_landing(
    cursor: LandingCursor,
    listing: Iterable[LandingFile],
    *,
    now: float,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    partition_exists: Callable[[str], bool] | None = None,
) -> LandingPlan:
    """Compare a listing with the cursor: which partitions to run now, what waits, what went.

    Args:
        cursor: The previous evaluation's cursor (empty on the first one).
        listing: Every landing file now, with its partition key.
        now: The evaluation time in epoch seconds (compared with modification times).
        settle_seconds: A file modified longer ago than this is settled on first sight; any other
            file must be seen unchanged on two consecutive evaluations.
        partition_exists: Whether a partition key can be run now; None: every key can.
    """
    listed = {landing.url: landing for landing in listing}
    by_partition: dict[str, list[LandingFile]] = {}
    for landing in listed.values():
        by_partition.setdefault(landing.partition, []).append(landing)

    touched = [
        landing
        for landing in listed.values()
        if cursor.files.get(landing.url) != Observation.of(landing)
    ]
    unsettled = {
        landing.url for landing in touched if not _settled(landing, cursor, now, settle_seconds)
    }
    touched_partitions = sorted({landing.partition for landing in touched})
    waiting_partitions = sorted({listed[url].partition for url in unsettled})
    waiting_set = set(waiting_partitions)
    not_yet = [
        key
        for key in touched_partitions
        if partition_exists is not None and key not in waiting_set and not partition_exists(key)
    ]
    ready = set(touched_partitions) - waiting_set - set(not_yet)

    files = {url: seen for url, seen in cursor.files.items() if url in listed}
    pending: dict[str, Observation] = {}
    requests = []
    new = changed = held = 0
    touched_by_partition: dict[str, list[LandingFile]] = {}
    for landing in touched:
        touched_by_partition.setdefault(landing.partition, []).append(landing)
    for key in touched_partitions:
        members = touched_by_partition[key]
        if key not in ready:
            held += sum(1 for landing in members if landing.url not in unsettled)
            pending.update((landing.url, Observation.of(landing)) for landing in members)
            continue
        fresh = sum(1 for landing in members if landing.url not in cursor.files)
        new += fresh
        changed += len(members) - fresh
        files.update((landing.url, Observation.of(landing)) for landing in members)
        requests.append(
            PartitionRequest(
                partition=key,
                run_key=run_key(key, by_partition[key], cursor.sequence),
                files=len(by_partition[key]),
                new=fresh,
                changed=len(members) - fresh,
            )
        )

    gone = {
        url: seen for url, seen in {**cursor.pending, **cursor.files}.items() if url not in listed
    }
    return LandingPlan(
        requests=tuple(requests),
        cursor=LandingCursor(files, pending, cursor.sequence + 1 if requests else cursor.sequence),
        new=new,
        changed=changed,
        unchanged=len(listed) - len(touched),
        waiting=len(unsettled),
        waiting_partitions=tuple(waiting_partitions),
        held=held,
        not_yet_partitions=tuple(not_yet),
        removed=len(gone),
        removed_partitions=tuple(sorted({seen.partition for seen in gone.values()})),
    )


def _settled(
    landing: LandingFile, cursor: LandingCursor, now: float, settle_seconds: float
) -> bool:
    if cursor.pending.get(landing.url) == Observation.of(landing):
        return True
    modified = modified_at(landing.fingerprint)
    return modified is not None and now - modified >= max(settle_seconds, 0.0)
