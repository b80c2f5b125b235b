"""The append-only audit log of a vault home: ``audit/log.jsonl`` (one hash-chained entry per
line) and ``audit/checkpoints.jsonl`` (signed checkpoints of its head).

Writes are batched: :meth:`AuditLog.record` queues an entry; the queue is written with one
``write`` and one ``fsync`` under an exclusive file lock (processes share the log) once it holds
``batch_size`` entries, when its oldest entry is ``max_delay`` seconds old, on a ``durable``
entry (denials, key operations), on :meth:`flush` and at interpreter exit. Sequence numbers and
hashes are given at write time, after the lock is taken, so entries of concurrent processes form
one chain. A checkpoint is signed after every ``checkpoint_every`` entries and on demand.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from vault_core import durable
from vault_core.audit.checkpoint import Checkpoint, CheckpointSigner
from vault_core.audit.entry import GENESIS, AuditEntry, canonical, chain_hash
from vault_core.audit.exceptions import AuditLogCorruptError, AuditUnavailableError

LOG_FILE = "log.jsonl"
CHECKPOINTS_FILE = "checkpoints.jsonl"


def now_iso() -> str:
    """The current UTC time as the log writes it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class AuditLog:
    """Appends to (and reads) the audit log in ``directory``."""

    def __init__(
        self,
        directory: str,
        *,
        signer: Callable[[], CheckpointSigner | None] | None = None,
        batch_size: int = 256,
        max_delay: float = 1.0,
        checkpoint_every: int = 1024,
    ) -> None:
        if "://" in directory:
            raise AuditUnavailableError(
                f"the audit log needs a local vault home for now, not {directory}"
            )
        self.directory = directory
        self.log_path = os.path.join(directory, LOG_FILE)
        self.checkpoints_path = os.path.join(directory, CHECKPOINTS_FILE)
        self._signer = signer
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.checkpoint_every = checkpoint_every
        self._pending: list[dict[str, object]] = []
        self._oldest = 0.0
        self._mutex = threading.Lock()
        self._pid = os.getpid()
        _OPEN_LOGS.add(self)

    @classmethod
    def shared(
        cls, directory: str, *, signer: Callable[[], CheckpointSigner | None] | None = None
    ) -> AuditLog:
        """The one log object of ``directory`` in this process (kept until exit, flushed then).

        One object per directory, never flushed from a finalizer: a flush run by the garbage
        collector in the middle of another flush of the same file would wait for the file lock
        this process holds (and split the chain).
        """
        with _SHARED_MUTEX:
            log = _SHARED.get(directory)
            if log is None or log._pid != os.getpid():
                log = _SHARED[directory] = cls(directory, signer=signer)
            return log

    def record(
        self,
        *,
        principal: str,
        tenant: str,
        action: str,
        resource: str,
        decision: str,
        reason: str = "",
        dataset: str = "",
        purpose: str | None = None,
        details: dict[str, int | str] | None = None,
        durable: bool = False,
    ) -> None:
        """Queue one entry; written at once when ``durable`` or when the batch is due."""
        entry: dict[str, object] = {
            "time": now_iso(),
            "principal": principal,
            "tenant": tenant,
            "action": action,
            "resource": resource,
            "dataset": dataset,
            "decision": decision,
            "reason": reason,
            "purpose": purpose or "",
            "details": dict(details or {}),
        }
        with self._mutex:
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(entry)
            due = (
                durable
                or len(self._pending) >= self.batch_size
                or time.monotonic() - self._oldest >= self.max_delay
            )
        if due:
            self.flush()

    def flush(self) -> int:
        """Write the queued entries (one write, one fsync); returns how many."""
        with self._mutex:
            if self._pid != os.getpid():  # a forked child: its parent writes what it queued
                self._pending, self._pid = [], os.getpid()
            pending, self._pending = self._pending, []
        if not pending:
            return 0
        durable.makedirs(self.directory)
        with self._locked():
            seq, head = self._tail()
            lines = []
            for body in pending:
                seq += 1
                full = {**body, "seq": seq, "prev": head}
                # Serialized once for the hash and once for the line; the fields were built by
                # record() (no model validation per entry: it doubled the cost, bench-audit).
                head = chain_hash(full)
                full["hash"] = head
                lines.append(canonical(full))
            _append(self.log_path, lines)
            last_checkpoint = self._last_checkpoint()
            covered = last_checkpoint.seq if last_checkpoint else -1
            if seq - covered >= self.checkpoint_every:
                self._checkpoint_locked(seq, head, last_checkpoint)
        return len(pending)

    def checkpoint(self) -> Checkpoint | None:
        """Flush, then sign a checkpoint of the head (None: empty log or no signing key).

        A head that is already checkpointed is not signed again (its checkpoint is returned).
        """
        self.flush()
        if not os.path.exists(self.log_path):
            return None
        with self._locked():
            seq, head = self._tail()
            last = self._last_checkpoint()
            if seq < 0:
                return None
            if last is not None and last.seq == seq and last.head == head:
                return last
            return self._checkpoint_locked(seq, head, last)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first (unverified: see ``verify_log``)."""
        self.flush()
        if not os.path.exists(self.log_path):
            return
        with open(self.log_path, encoding="utf-8") as handle:
            for line in handle:
                yield AuditEntry.model_validate_json(line)

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first."""
        if not os.path.exists(self.checkpoints_path):
            return []
        with open(self.checkpoints_path, encoding="utf-8") as handle:
            return [Checkpoint.model_validate_json(line) for line in handle if line.strip()]

    def __del__(self) -> None:
        with suppress(Exception):
            self.flush()

    # -- internals ---------------------------------------------------------------------------

    def _checkpoint_locked(self, seq: int, head: str, last: Checkpoint | None) -> Checkpoint | None:
        signer = self._signer() if self._signer else None
        if signer is None:
            return None
        checkpoint = signer.sign(seq, head, now_iso(), last.digest() if last else "")
        _append(self.checkpoints_path, [checkpoint.line()])
        return checkpoint

    def _tail(self) -> tuple[int, str]:
        line = _last_line(self.log_path)
        if line is None:
            return -1, GENESIS
        try:
            entry = AuditEntry.model_validate_json(line)
        except ValueError:
            raise AuditLogCorruptError(
                f"the last entry of {self.log_path} cannot be read: nothing can be chained to "
                "it. Run `vault audit verify` to find the first bad entry"
            ) from None
        return entry.seq, entry.hash

    def _last_checkpoint(self) -> Checkpoint | None:
        line = _last_line(self.checkpoints_path)
        if line is None:
            return None
        try:
            return Checkpoint.model_validate_json(line)
        except ValueError:
            raise AuditLogCorruptError(
                f"the last checkpoint of {self.checkpoints_path} cannot be read: run "
                "`vault audit verify`"
            ) from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        os.makedirs(self.directory, exist_ok=True)
        with open(os.path.join(self.directory, "log.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _append(path: str, lines: list[str]) -> None:
    durable.append_file(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _last_line(path: str) -> str | None:
    """The last non-empty line of a file, read backwards from its end."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        chunk = b""
        position = end
        while position > 0:
            step = min(4096, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + chunk
            stripped = chunk.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1].decode("utf-8", "replace")
        stripped = chunk.rstrip(b"\n")
        return stripped.decode("utf-8", "replace") if stripped else None


_OPEN_LOGS: weakref.WeakSet[AuditLog] = weakref.WeakSet()
_SHARED: dict[str, AuditLog] = {}
_SHARED_MUTEX = threading.Lock()


@atexit.register
def _flush_all() -> None:
    for log in [*_SHARED.values(), *_OPEN_LOGS]:
        if log._pid != os.getpid():
            continue
        with suppress(Exception):
            log.flush()
