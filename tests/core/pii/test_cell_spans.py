"""Helpers of the columnar span merge (vault_core.pii._cell_spans)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii._cell_spans import _in_order

_KEYS = st.lists(
    st.tuples(*[st.integers(0, 2)] * 4), min_size=0, max_size=12
)  # small values: many ties on every key


@given(_KEYS)
@settings(deadline=None)
def test_when_keys_are_checked_then_in_order_iff_stable_sort_keeps_them(
    keys: list[tuple[int, int, int, int]],
) -> None:
    table = np.array(keys, np.int64).reshape(-1, 4)
    rows, start, end, which = table.T
    order = np.lexsort((which, end, start, rows))
    assert _in_order(rows, start, end, which) == bool((order == np.arange(len(keys))).all())
