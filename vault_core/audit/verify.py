"""Verify the audit log: every entry's hash and link, gap-free sequence numbers, every
checkpoint's signature, chain and head, and the anchors recorded outside the vault home (the
Dagster instance). Finds modified, removed, reordered or inserted entries and truncation, and
names the first bad entry (its line)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from pydantic import ValidationError

from vault_core.audit.checkpoint import Checkpoint
from vault_core.audit.entry import GENESIS, AuditEntry
from vault_core.audit.log import CHECKPOINTS_FILE, LOG_FILE


@dataclass(frozen=True)
class Anchor:
    """A checkpoint recorded outside the vault home: the log held entry ``seq`` with ``head``."""

    seq: int
    head: str
    public_key: str = ""
    source: str = "external"


@dataclass
class AuditReport:
    """What ``verify_log`` found; ``first_bad`` names the first bad entry (line, 1-based)."""

    entries: int = 0
    checkpoints: int = 0
    anchors: int = 0
    first_bad_line: int | None = None
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def fail(self, problem: str, line: int | None = None, seq: int | None = None) -> None:
        """Record a problem (the first bad entry is the earliest line reported)."""
        self.problems.append(problem)
        if line is not None and (self.first_bad_line is None or line < self.first_bad_line):
            self.first_bad_line = line
            self.first_bad_seq = seq


def verify_log(
    directory: str,
    *,
    anchors: list[Anchor] | None = None,
    public_key: str | None = None,
) -> AuditReport:
    """Check the log in ``directory`` (see the module docstring).

    Args:
        anchors: Checkpoints recorded elsewhere (newest matters most): each must match an entry
            and a checkpoint, so a log and checkpoints rolled back together are detected.
        public_key: The expected checkpoint key (hex); default: the anchors' or the first
            checkpoint's.
    """
    report = AuditReport()
    heads = _check_entries(os.path.join(directory, LOG_FILE), report)
    checkpoints = _check_checkpoints(
        os.path.join(directory, CHECKPOINTS_FILE), report, heads, public_key, anchors or []
    )
    for anchor in anchors or []:
        report.anchors += 1
        if anchor.seq >= len(heads):
            report.fail(
                f"log truncated or rolled back: the {anchor.source} anchor covers entry "
                f"{anchor.seq} but the log ends at entry {len(heads) - 1}",
                line=len(heads) + 1,
                seq=len(heads),
            )
        elif heads[anchor.seq] != anchor.head:
            report.fail(
                f"entry {anchor.seq} differs from the {anchor.source} anchor (rewritten log)",
                line=anchor.seq + 1,
                seq=anchor.seq,
            )
        if not any(c.seq == anchor.seq and c.head == anchor.head for c in checkpoints):
            report.fail(
                f"the checkpoint of the {anchor.source} anchor (entry {anchor.seq}) is missing"
            )
    return report


def _check_entries(path: str, report: AuditReport) -> list[str]:
    """Hashes of the entries, in order, up to the first bad one (which is reported)."""
    heads: list[str] = []
    if not os.path.exists(path):
        return heads
    prev = GENESIS
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            expected_seq = number - 1
            report.entries += 1
            if not raw.endswith("\n"):
                report.fail(f"line {number}: torn write (no line end)", number, expected_seq)
                break
            try:
                entry = AuditEntry.model_validate_json(raw)
            except (ValidationError, json.JSONDecodeError, ValueError):
                report.fail(f"line {number}: not a valid entry", number, expected_seq)
                break
            if entry.seq != expected_seq:
                report.fail(
                    f"line {number}: sequence number {entry.seq}, expected {expected_seq} "
                    "(an entry was removed, inserted or moved)",
                    number,
                    expected_seq,
                )
                break
            if entry.prev != prev:
                report.fail(
                    f"line {number}: does not link to the entry before it (removed, inserted "
                    "or reordered entries)",
                    number,
                    expected_seq,
                )
                break
            if entry.expected_hash() != entry.hash:
                report.fail(
                    f"line {number}: its content does not match its hash (edited)",
                    number,
                    expected_seq,
                )
                break
            heads.append(entry.hash)
            prev = entry.hash
    return heads


def _check_checkpoints(
    path: str,
    report: AuditReport,
    heads: list[str],
    public_key: str | None,
    anchors: list[Anchor],
) -> list[Checkpoint]:
    checkpoints: list[Checkpoint] = []
    if not os.path.exists(path):
        return checkpoints
    expected_key = public_key or next((a.public_key for a in anchors if a.public_key), None)
    previous = ""
    covered = -1  # the last entry a matching checkpoint vouches for
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            report.checkpoints += 1
            try:
                checkpoint = Checkpoint.model_validate_json(raw)
            except (ValidationError, ValueError):
                report.fail(f"checkpoint {number}: not a valid checkpoint")
                continue
            expected_key = expected_key or checkpoint.public_key
            if checkpoint.public_key != expected_key or not checkpoint.signature_valid():
                report.fail(f"checkpoint {number}: bad signature or unknown signing key")
            if checkpoint.prev_checkpoint != previous:
                report.fail(f"checkpoint {number}: does not link to the checkpoint before it")
            previous = checkpoint.digest()
            checkpoints.append(checkpoint)
            if checkpoint.seq >= len(heads):
                report.fail(
                    f"checkpoint {number} covers entry {checkpoint.seq} but the valid log ends "
                    f"at entry {len(heads) - 1} (truncated or damaged)",
                    line=len(heads) + 1,
                    seq=len(heads),
                )
            elif heads[checkpoint.seq] != checkpoint.head:
                # The chain itself is intact (rehashed): the rewrite lies after the last entry
                # a matching checkpoint vouches for, which is as close as a verifier can say.
                report.fail(
                    f"checkpoint {number}: entry {checkpoint.seq} differs from the signed head: "
                    f"an entry after entry {covered} was rewritten and the chain rehashed",
                    line=covered + 2,
                    seq=covered + 1,
                )
            else:
                covered = max(covered, checkpoint.seq)
    return checkpoints
