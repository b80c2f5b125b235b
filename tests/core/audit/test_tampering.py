"""A tampering corpus: every way of editing, removing, reordering, inserting or truncating the
audit log (or its checkpoints, or rolling both back) is detected, and the first bad entry named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from vault_core.audit import Anchor, AuditLog, CheckpointSigner, verify_log
from vault_core.audit.entry import chain_hash

SEED = bytes(range(32))


def _write(directory: Path, count: int, *, checkpoint_every: int = 10) -> AuditLog:
    log = AuditLog(
        str(directory),
        signer=lambda: CheckpointSigner(SEED),
        batch_size=7,
        checkpoint_every=checkpoint_every,
    )
    for i in range(count):
        log.record(
            principal=f"user{i % 3}",
            tenant="acme",
            action="dataset:read_raw" if i % 2 else "dataset:read",
            resource="dataset customers",
            dataset="customers",
            decision="deny" if i % 5 == 0 else "allow",
            reason="permitted by developer-pipelines",
            details={"records": i},
        )
    log.checkpoint()
    return log


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def _rechain(lines: list[str], start: int = 0) -> list[str]:
    """What a forger without the signing key can do: recompute every hash from ``start``."""
    out = list(lines)
    prev = json.loads(out[start - 1])["hash"] if start else "0" * 64
    for i in range(start, len(out)):
        entry = json.loads(out[i])
        entry.update(prev=prev, seq=i)
        entry.pop("hash")
        entry["hash"] = prev = chain_hash(entry)
        out[i] = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    return out


def _edit(field: str, value: object, line: int = 12) -> Callable[[Path], None]:
    def tamper(d: Path) -> None:
        lines = _lines(d / "log.jsonl")
        entry = json.loads(lines[line])
        entry[field] = value
        lines[line] = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
        (d / "log.jsonl").write_text("".join(lines))

    return tamper


def _lines_op(op: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def tamper(d: Path) -> None:
        (d / "log.jsonl").write_text("".join(op(_lines(d / "log.jsonl"))))

    return tamper


def _checkpoints_op(op: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def tamper(d: Path) -> None:
        path = d / "checkpoints.jsonl"
        path.write_text("".join(op(_lines(path))))

    return tamper


def _checkpoint_field(field: str, value: str) -> Callable[[Path], None]:
    def op(lines: list[str]) -> list[str]:
        entry = json.loads(lines[-1])
        entry[field] = value
        return [*lines[:-1], json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"]

    return _checkpoints_op(op)


def _swap(a: int, b: int) -> Callable[[list[str]], list[str]]:
    def op(lines: list[str]) -> list[str]:
        out = list(lines)
        out[a], out[b] = out[b], out[a]
        return out

    return op


def _forged_checkpoint(d: Path) -> None:
    """Re-sign the rewritten head with another key (someone without the master secret)."""
    lines = _rechain(_lines(d / "log.jsonl"), 5)
    lines[5] = lines[5].replace('"decision":"deny"', '"decision":"allow"')
    lines = _rechain(lines, 5)
    (d / "log.jsonl").write_text("".join(lines))
    last = json.loads(lines[-1])
    forger = CheckpointSigner(bytes(32))
    checkpoint = forger.sign(last["seq"], last["hash"], last["time"], "")
    (d / "checkpoints.jsonl").write_text(checkpoint.line() + "\n")


CASES: dict[str, Callable[[Path], None]] = {
    "edited decision": _edit("decision", "allow", 10),
    "edited principal": _edit("principal", "someone-else"),
    "edited action": _edit("action", "keys:destroy"),
    "edited time": _edit("time", "2020-01-01T00:00:00.000000+00:00"),
    "edited reason": _edit("reason", "nothing to see"),
    "edited details": _edit("details", {"records": 0}),
    "edited hash": _edit("hash", "f" * 64),
    "deleted first entry": _lines_op(lambda ls: ls[1:]),
    "deleted middle entry": _lines_op(lambda ls: ls[:12] + ls[13:]),
    "deleted last entry": _lines_op(lambda ls: ls[:-1]),
    "swapped adjacent entries": _lines_op(_swap(12, 13)),
    "swapped distant entries": _lines_op(_swap(3, 20)),
    "inserted forged entry": _lines_op(
        lambda ls: [*ls[:12], ls[12].replace("user", "ghost"), *ls[12:]]
    ),
    "duplicated (replayed) entry": _lines_op(lambda ls: [*ls[:12], ls[11], *ls[12:]]),
    "edited and rechained": _lines_op(
        lambda ls: _rechain([*ls[:8], ls[8].replace("allow", "deny"), *ls[9:]], 8)
    ),
    "deleted and rechained": _lines_op(lambda ls: _rechain(ls[:8] + ls[9:], 8)),
    "truncated tail": _lines_op(lambda ls: ls[:20]),
    "truncated to empty": _lines_op(lambda ls: []),
    "log file removed": lambda d: (d / "log.jsonl").unlink(),
    "garbage line": _lines_op(lambda ls: [*ls[:12], "not json at all\n", *ls[13:]]),
    "torn last line": lambda d: (d / "log.jsonl").write_text((d / "log.jsonl").read_text()[:-9]),
    "checkpoint signature replaced": _checkpoint_field("signature", "00" * 64),
    "checkpoint head replaced": _checkpoint_field("head", "a" * 64),
    "checkpoint key replaced": _checkpoint_field(
        "public_key", CheckpointSigner(bytes(32)).public_key
    ),
    "checkpoint removed from the middle": _checkpoints_op(lambda ls: [ls[0], *ls[2:]]),
    "checkpoints reordered": _checkpoints_op(lambda ls: [ls[1], ls[0], *ls[2:]]),
    "re-signed with another key": _forged_checkpoint,
}


@pytest.fixture
def anchored(tmp_path: Path) -> tuple[Path, Anchor]:
    directory = tmp_path / "audit"
    log = _write(directory, 40)
    last = log.checkpoints()[-1]
    # The anchor is what the Dagster instance recorded (an observation of vault_audit).
    return directory, Anchor(seq=last.seq, head=last.head, public_key=last.public_key)


def test_when_untouched_then_verified(anchored: tuple[Path, Anchor]) -> None:
    directory, anchor = anchored
    report = verify_log(str(directory), anchors=[anchor])
    assert report.ok, report.problems
    assert (report.entries, report.first_bad_line) == (40, None)
    assert report.checkpoints >= 3


@pytest.mark.parametrize("case", sorted(CASES))
def test_tampering_is_detected(anchored: tuple[Path, Anchor], case: str) -> None:
    directory, anchor = anchored
    CASES[case](directory)
    report = verify_log(str(directory), anchors=[anchor])
    assert not report.ok, case
    assert report.problems


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("edited decision", 11),
        ("edited principal", 13),
        ("deleted middle entry", 13),
        ("swapped adjacent entries", 13),
        ("inserted forged entry", 13),
        ("garbage line", 13),
        ("truncated tail", 21),
    ],
)
def test_first_bad_entry_is_named(anchored: tuple[Path, Anchor], case: str, line: int) -> None:
    directory, anchor = anchored
    CASES[case](directory)
    assert verify_log(str(directory), anchors=[anchor]).first_bad_line == line


def test_when_rewritten_and_rehashed_then_named_from_the_last_good_checkpoint(
    anchored: tuple[Path, Anchor],
) -> None:
    directory, anchor = anchored
    good = AuditLog(str(directory)).checkpoints()
    CASES["edited and rechained"](directory)  # entry 8 (line 9) rewritten, hashes recomputed
    report = verify_log(str(directory), anchors=[anchor])
    vouched = max([c.seq for c in good if c.seq < 8], default=-1)
    assert report.first_bad_line == vouched + 2 <= 9


def test_when_whole_log_is_rolled_back_then_the_instance_anchor_detects_it(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    _write(directory, 15)
    backup = tmp_path / "backup"
    shutil.copytree(directory, backup)
    log = _write(directory, 15)  # 15 more entries, newer checkpoints
    last = log.checkpoints()[-1]
    anchor = Anchor(seq=last.seq, head=last.head, public_key=last.public_key)
    shutil.rmtree(directory)
    shutil.copytree(backup, directory)  # log and checkpoints rolled back together
    assert verify_log(str(directory)).ok  # consistent in itself...
    report = verify_log(str(directory), anchors=[anchor])
    assert not report.ok  # ...but behind what the instance recorded
    assert report.first_bad_line == 16


def test_when_processes_share_the_log_then_one_chain(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    first, second = (
        AuditLog(str(directory), signer=lambda: CheckpointSigner(SEED), batch_size=3)
        for _ in range(2)
    )
    for i in range(10):
        for log in (first, second):
            log.record(
                principal="p",
                tenant="t",
                action="dataset:read",
                resource="r",
                decision="allow",
                details={"i": i},
            )
    first.flush()
    second.flush()
    report = verify_log(str(directory))
    assert report.ok
    assert report.entries == 20
