"""CellBytes.splice against slicing and joining each cell in Python."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii._splice import CellBytes

_TEXT = st.text(alphabet=st.sampled_from("ab c1-é€😀\n"), min_size=1, max_size=12)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[str], list[list[tuple[int, int, int]]], list[str]]:
    """Cells, per cell its disjoint sorted spans (start, end, piece) in characters, pieces."""
    pieces = draw(st.lists(st.text(alphabet="<>XYé", max_size=5), min_size=1, max_size=4))
    cells, spans = [], []
    for text in draw(st.lists(_TEXT, min_size=1, max_size=6)):
        # Repeated cuts make touching spans (end == next start) and empty kept text.
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=6)))
        pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
        chosen = [
            (a, b, draw(st.integers(0, len(pieces) - 1))) for a, b in pairs or [(0, len(text))]
        ]
        cells.append(text)
        spans.append(chosen)
    return cells, spans, pieces


def _reference(
    cells: list[str], spans: list[list[tuple[int, int, int]]], pieces: list[str]
) -> list[str]:
    out = []
    for text, chosen in zip(cells, spans, strict=True):
        kept, at = [], 0
        for start, end, piece in chosen:
            kept += [text[at:start], pieces[piece]]
            at = end
        out.append("".join([*kept, text[at:]]))
    return out


@given(cases())
@settings(deadline=None)  # a shared machine: timing is not what this tests
def test_when_spans_are_replaced_then_same_as_python_slicing(
    case: tuple[list[str], list[list[tuple[int, int, int]]], list[str]],
) -> None:
    cells, spans, pieces = case
    cell_bytes = CellBytes(pa.array(cells, pa.string()))
    cell_of = np.array([k for k, chosen in enumerate(spans) for _ in chosen], np.int64)
    starts = np.array([s for chosen in spans for s, _, _ in chosen], np.int64)
    ends = np.array([e for chosen in spans for _, e, _ in chosen], np.int64)
    piece_of = np.array([p for chosen in spans for _, _, p in chosen], np.int64)
    bounds = np.r_[0, np.cumsum([len(chosen) for chosen in spans])].astype(np.int64)
    new = cell_bytes.splice(
        bounds,
        cell_bytes.byte_offsets(cell_of, starts),
        cell_bytes.byte_offsets(cell_of, ends),
        [piece.encode("utf-8") for piece in pieces],
        piece_of,
    )
    assert new.type == pa.large_string()
    assert new.to_pylist() == _reference(cells, spans, pieces)


def test_when_every_cell_becomes_empty_then_empty_strings() -> None:
    cell_bytes = CellBytes(pa.array(["ab", "c"], pa.string()))
    new = cell_bytes.splice(
        np.array([0, 1, 2]), np.array([0, 2]), np.array([2, 3]), [b""], np.array([0, 0])
    )
    assert new.to_pylist() == ["", ""]
