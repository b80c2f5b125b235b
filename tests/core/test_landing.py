"""The landing plan alone: settling, per-partition requests, run keys, removals, the cursor."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.exceptions import LandingCursorError
from vault_core.landing import (
    LandingCursor,
    LandingPlan,
    modified_at,
    plan_landing,
)
from vault_core.partitions import UNPARTITIONED, LandingFile

NOW = 1_800_000_000.0
OLD = f"mtime:{NOW - 3600:.6f}"
FRESH = f"mtime:{NOW - 1:.6f}"


def landing(name: str, size: int = 10, fingerprint: str = OLD, partition: str = "") -> LandingFile:
    return LandingFile(f"/landing/{name}", size, fingerprint, partition or name)


def plan(cursor: LandingCursor, *files: LandingFile, **kwargs: object) -> LandingPlan:
    return plan_landing(cursor, files, now=NOW, **kwargs)  # type: ignore[arg-type]


def test_when_first_evaluation_over_old_files_then_each_partition_requested_at_once() -> None:
    result = plan(LandingCursor(), landing("a.csv"), landing("b.csv"))
    assert result.requested_partitions == ("a.csv", "b.csv")
    assert (result.new, result.changed, result.waiting) == (2, 0, 0)
    assert set(result.cursor.files) == {"/landing/a.csv", "/landing/b.csv"}
    assert result.cursor.pending == {}


def test_when_nothing_changed_then_nothing_requested() -> None:
    first = plan(LandingCursor(), landing("a.csv"))
    again = plan(first.cursor, landing("a.csv"))
    assert again.requests == ()
    assert again.unchanged == 1
    assert again.cursor == first.cursor


def test_when_file_is_fresh_then_it_waits_one_evaluation() -> None:
    first = plan(LandingCursor(), landing("a.csv", fingerprint=FRESH))
    assert first.requests == ()
    assert (first.waiting, first.waiting_partitions) == (1, ("a.csv",))
    assert set(first.cursor.pending) == {"/landing/a.csv"}
    assert first.cursor.files == {}
    second = plan(first.cursor, landing("a.csv", fingerprint=FRESH))
    assert second.requested_partitions == ("a.csv",)
    assert second.cursor.pending == {}


def test_when_fingerprint_is_an_etag_then_it_waits_one_evaluation() -> None:
    first = plan(LandingCursor(), landing("a.csv", fingerprint="etag:abc"))
    assert first.waiting == 1
    assert plan(first.cursor, landing("a.csv", fingerprint="etag:abc")).requests


def test_when_file_grows_between_evaluations_then_it_waits_until_it_stops() -> None:
    cursor = LandingCursor()
    for size in (10, 20, 30):
        step = plan(cursor, landing("a.csv", size=size, fingerprint=f"mtime:{NOW - 1 + size}"))
        assert step.requests == ()
        cursor = step.cursor
    done = plan(cursor, landing("a.csv", size=30, fingerprint=f"mtime:{NOW + 29}"))
    assert done.requested_partitions == ("a.csv",)
    assert done.cursor.files["/landing/a.csv"].size == 30


def test_when_settle_seconds_is_shorter_than_the_age_then_settled_on_first_sight() -> None:
    young = landing("a.csv", fingerprint=f"mtime:{NOW - 5}")
    assert plan(LandingCursor(), young, settle_seconds=10).requests == ()
    assert plan(LandingCursor(), young, settle_seconds=5).requested_partitions == ("a.csv",)


def test_when_a_file_changes_then_only_its_partition_is_requested_with_a_new_key() -> None:
    first = plan(LandingCursor(), landing("a.csv"), landing("b.csv"))
    changed = landing("b.csv", size=11, fingerprint=f"mtime:{NOW - 100}")
    second = plan(first.cursor, landing("a.csv"), changed)
    assert second.requested_partitions == ("b.csv",)
    assert (second.new, second.changed, second.unchanged) == (0, 1, 1)
    assert second.requests[0].run_key not in {r.run_key for r in first.requests}


def test_when_time_windows_then_only_windows_with_changed_files_are_requested() -> None:
    day1 = [landing(f"d1/{n}.jsonl", partition="2026-01-01") for n in "ab"]
    day2 = [landing("d2/a.jsonl", partition="2026-01-02")]
    first = plan(LandingCursor(), *day1, *day2)
    assert [(r.partition, r.files) for r in first.requests] == [
        ("2026-01-01", 2),
        ("2026-01-02", 1),
    ]
    added = landing("d1/c.jsonl", partition="2026-01-01")
    second = plan(first.cursor, *day1, added, *day2)
    assert [(r.partition, r.files, r.new) for r in second.requests] == [("2026-01-01", 3, 1)]


def test_when_unpartitioned_then_one_request_for_any_change() -> None:
    files = [landing(n, partition=UNPARTITIONED) for n in ("a.csv", "b.csv", "c.csv")]
    first = plan(LandingCursor(), *files)
    assert [(r.partition, r.files) for r in first.requests] == [(UNPARTITIONED, 3)]
    extra = landing("d.csv", partition=UNPARTITIONED)
    second = plan(first.cursor, *files, extra)
    assert [(r.partition, r.files, r.new) for r in second.requests] == [(UNPARTITIONED, 4, 1)]


def test_when_one_file_of_a_partition_is_unsettled_then_the_whole_partition_waits() -> None:
    settled = landing("d1/a.jsonl", partition="2026-01-01")
    writing = landing("d1/b.jsonl", fingerprint=FRESH, partition="2026-01-01")
    other = landing("d2/a.jsonl", partition="2026-01-02")
    first = plan(LandingCursor(), settled, writing, other)
    assert first.requested_partitions == ("2026-01-02",)
    assert (first.waiting, first.held, first.waiting_partitions) == (1, 1, ("2026-01-01",))
    assert set(first.cursor.pending) == {settled.url, writing.url}
    second = plan(first.cursor, settled, writing, other)
    assert [(r.partition, r.files, r.new) for r in second.requests] == [("2026-01-01", 2, 2)]


def test_when_partition_does_not_exist_yet_then_its_files_are_held() -> None:
    today = landing("today.jsonl", partition="2026-01-02")
    first = plan(LandingCursor(), today, partition_exists=lambda key: key < "2026-01-02")
    assert first.requests == ()
    assert (first.held, first.not_yet_partitions) == (1, ("2026-01-02",))
    later = plan(first.cursor, today, partition_exists=lambda key: True)
    assert later.requested_partitions == ("2026-01-02",)


def test_when_files_are_removed_then_reported_dropped_and_nothing_requested() -> None:
    first = plan(LandingCursor(), landing("a.csv"), landing("b.csv"))
    pending = plan(
        first.cursor, landing("a.csv"), landing("b.csv"), landing("c", fingerprint=FRESH)
    )
    second = plan(pending.cursor, landing("a.csv"))
    assert second.requests == ()
    assert (second.removed, second.removed_partitions) == (2, ("b.csv", "c"))
    assert set(second.cursor.files) == {"/landing/a.csv"}
    assert second.cursor.pending == {}
    assert "2 file(s) removed (b.csv, c)" in second.summary()


def test_when_evaluation_is_replayed_from_the_same_cursor_then_run_keys_are_equal() -> None:
    first = plan(LandingCursor(), landing("a.csv"))
    files = (landing("a.csv", size=11), landing("b.csv"))
    replayed = [plan(first.cursor, *files) for _ in range(2)]
    assert replayed[0] == replayed[1]
    assert plan(replayed[0].cursor, *files).requests == ()


def test_when_a_file_returns_to_an_earlier_state_then_it_gets_a_new_run_key() -> None:
    states = [landing("a.csv", size=s, fingerprint=f"etag:{s}") for s in (1, 2, 1, 2)]
    cursor, keys = LandingCursor(), []
    for state in states:
        cursor = plan(cursor, state).cursor  # seen once: waits
        result = plan(cursor, state)
        cursor = result.cursor
        keys.append(result.requests[0].run_key)
    assert len(set(keys)) == 4


def test_when_listing_order_differs_then_the_plan_is_the_same() -> None:
    files = [landing(n, partition="p") for n in ("c", "a", "b")]
    assert plan(LandingCursor(), *files) == plan(LandingCursor(), *reversed(files))


def test_when_summary_is_written_then_it_holds_counts_and_partition_keys_only() -> None:
    secret = LandingFile("/landing/jane.doe@example.com.csv", 3, FRESH, "file-0123456789ab")
    summary = plan(LandingCursor(), secret, landing("a.csv")).summary()
    assert "jane" not in summary
    assert "/landing" not in summary
    assert "file-0123456789ab" in summary
    assert summary.startswith("1 partition(s) requested (a.csv); 1 new file(s)")


def test_when_many_partitions_then_summary_lists_ten_and_counts_the_rest() -> None:
    files = [landing(f"{n:02d}.csv") for n in range(25)]
    assert "+15 more" in plan(LandingCursor(), *files).summary()


def test_when_cursor_round_trips_through_json_then_it_is_equal() -> None:
    first = plan(LandingCursor(), landing("a.csv"), landing("b", fingerprint=FRESH))
    assert LandingCursor.from_json(first.cursor.to_json()) == first.cursor
    assert LandingCursor.from_json(None) == LandingCursor()
    assert LandingCursor.from_json("") == LandingCursor()


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"v": 2, "seq": 0, "files": {}, "pending": {}}',
        '{"v": 1}',
        '{"v": 1, "seq": 0, "files": {"u": ["10", "x", "p"]}, "pending": {}}',
    ],
)
def test_when_cursor_is_unreadable_then_landing_cursor_error(text: str) -> None:
    with pytest.raises(LandingCursorError, match="reset"):
        LandingCursor.from_json(text)


@pytest.mark.parametrize(
    ("fingerprint", "expected"),
    [("mtime:12.500000", 12.5), ("etag:abc", None), ("size:3", None), ("mtime:x", None)],
)
def test_modified_at_reads_only_mtime_fingerprints(
    fingerprint: str, expected: float | None
) -> None:
    assert modified_at(fingerprint) == expected


_snapshot = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.tuples(st.integers(1, 3), st.sampled_from(["p", "q", "r"])),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_snapshot, max_size=8), _snapshot)
def test_every_state_stable_for_two_evaluations_is_requested_once_and_never_lost(
    history: list[dict[str, tuple[int, str]]], final: dict[str, tuple[int, str]]
) -> None:
    def listing(snapshot: dict[str, tuple[int, str]]) -> list[LandingFile]:
        return [
            LandingFile(url, size, f"etag:{size}", key) for url, (size, key) in snapshot.items()
        ]

    cursor, keys = LandingCursor(), []
    for snapshot in [*history, final, final]:
        result = plan(cursor, *listing(snapshot))
        keys.extend(r.run_key for r in result.requests)
        cursor = result.cursor
        assert set(cursor.files) | set(cursor.pending) == set(snapshot)
    assert len(keys) == len(set(keys))
    assert cursor.pending == {}
    assert {url: (o.size, o.partition) for url, o in cursor.files.items()} == final
    assert plan(cursor, *listing(final)).requests == ()
