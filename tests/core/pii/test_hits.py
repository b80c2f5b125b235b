"""Findings as arrays: resolution without a per-text loop agrees with resolve_findings."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import Finding, resolve_findings
from vault_core.pii.hits import Hits, ordering, resolve_hits

_TYPES = ["DATE_TIME", "CREDIT_CARD", "PHONE_NUMBER", "URL", "EMAIL_ADDRESS", "ZIP_CODE"]
_DETECTORS = ["vault:A", "vault:B", "vault:C"]


@st.composite
def _findings(draw: st.DrawFn) -> list[Finding]:
    # Up to 12: clusters small enough for numpy and larger ones for resolve_findings.
    count = draw(st.integers(0, 12))
    found = []
    for _ in range(count):
        start = draw(st.integers(0, 30))
        end = draw(st.integers(start + 1, start + 12))
        found.append(
            Finding(
                start,
                end,
                draw(st.sampled_from(_TYPES)),
                draw(st.sampled_from([0.3, 0.65, 0.85, 1.0])),
                draw(st.sampled_from(_DETECTORS)),
            )
        )
    return found


@settings(max_examples=400, deadline=None)
@given(st.lists(_findings(), min_size=1, max_size=8))
def test_when_hits_resolved_then_same_as_resolve_findings_text_by_text(
    per_text: list[list[Finding]],
) -> None:
    texts = ["x" * 64 for _ in per_text]
    resolved = resolve_hits(Hits.from_lists(per_text), texts).to_lists(len(texts))
    expected = [resolve_findings(text, found) for text, found in zip(texts, per_text, strict=True)]
    assert resolved == expected


def test_when_hits_converted_then_lists_round_trip() -> None:
    found = [[Finding(0, 3, "URL", 0.85, "vault:Url")], [], [Finding(2, 5, "ZIP_CODE", 1.0, "x")]]
    assert Hits.from_lists(found).to_lists(3) == found
    assert Hits.concat([]).to_lists(2) == [[], []]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([2**20, 2**62]).flatmap(
        lambda bound: st.lists(st.tuples(st.integers(0, bound), st.integers(0, 50)), max_size=60)
    )
)
def test_when_rows_ordered_then_same_order_as_lexsort(rows: list[tuple[int, int]]) -> None:
    # Small keys take one combined stable sort, large ones np.lexsort: both as lexsort.
    major = np.array([row[0] for row in rows], dtype=np.int64)
    minor = np.array([row[1] for row in rows], dtype=np.int64)
    assert ordering(major, minor).tolist() == np.lexsort((minor, major)).tolist()
