"""The rows of a JSON Lines run taken apart are those the per-row rule picked before (issue 13):
the run-level checks only decide which row-level checks to ask, never which rows fail."""

from __future__ import annotations

from collections import Counter
from operator import methodcaller
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.ingest.stream import _failing_rows

REQUIRED = ["id", "body"]
KNOWN_NAMES = {"id": "id", "body": "body", "note": "note"}

_rows = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "body", "note", "extra"]),
        st.one_of(st.none(), st.sampled_from(["", "x", "0", "long text"])),
    ),
    min_size=1,
    max_size=30,
)


def _reference(values: list[dict[str, Any]], digests: list[bytes], seen: set[bytes]) -> list[int]:
    """The per-row rule of ``IngestStream._take_flat_apart`` as it was."""
    repeated = {digest for digest, count in Counter(digests).items() if count > 1}
    return [
        index
        for index, (row, digest) in enumerate(zip(values, digests, strict=True))
        if not all(map(row.get, REQUIRED))
        or digest in seen
        or digest in repeated
        or not KNOWN_NAMES.keys() >= row.keys()
    ]


def _columnar(values: list[dict[str, Any]], digests: list[bytes], seen: set[bytes]) -> list[int]:
    """The run-level checks of ``IngestStream._take_flat``, then :func:`_failing_rows`."""
    getters = [methodcaller("get", name) for name in REQUIRED]
    unfilled = [getter for getter in getters if not all(map(getter, values))]
    distinct = set(digests)
    new_names = not KNOWN_NAMES.keys() >= set().union(*values)
    return _failing_rows(
        values, digests, unfilled,
        repeated=len(distinct) != len(digests), known=seen.intersection(distinct),
        names=KNOWN_NAMES.keys() if new_names else None,
    )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_rows, st.data())
def test_when_a_run_is_taken_apart_then_the_rows_are_those_of_the_per_row_rule(
    values: list[dict[str, Any]], data: st.DataObject
) -> None:
    pool = [bytes([i]) * 16 for i in range(8)]  # few ids: repeats within the run and seen ones
    digests = [data.draw(st.sampled_from(pool)) for _ in values]
    seen = set(data.draw(st.lists(st.sampled_from(pool), max_size=3)))
    assert _columnar(values, digests, seen) == _reference(values, digests, seen)


def test_when_every_check_fails_somewhere_then_each_failing_row_is_named_once() -> None:
    values = [
        {"id": "1", "body": "a"},
        {"id": "", "body": "b"},  # required column empty
        {"id": "3", "body": "c", "extra": "x"},  # a new name
        {"id": "4", "body": "d"},  # an id seen before
        {"id": "5"},  # required column missing and a repeated id
        {"id": "6", "body": "f"},  # the other copy of the repeated id
        {"id": "7", "body": "g"},
    ]
    digests = [bytes([i]) * 16 for i in (1, 2, 3, 4, 5, 5, 7)]
    seen = {bytes([4]) * 16}
    assert _columnar(values, digests, seen) == [1, 2, 3, 4, 5]
    assert _reference(values, digests, seen) == [1, 2, 3, 4, 5]
