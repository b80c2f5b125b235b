"""Findings of many texts as parallel numpy arrays, and their resolution without a per-text loop.

The pattern pass produces tens of thousands of findings per megabyte; a Python object per
finding cost more than finding them. :class:`Hits` keeps them as arrays until a caller asks for
:class:`~vault_core.pii.finding.Finding` objects (``detect_batch``) or an Arrow table
(``detect_table``), and :func:`resolve_hits` resolves overlaps in numpy, calling
``resolve_findings`` only for clusters of three or more overlapping findings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from vault_core.pii.finding import SHADOWED_INSIDE, Finding, resolve_findings

_EMPTY_INT = np.zeros(0, dtype=np.int64)


class Names:
    """Names (entity types, detector names) interned as small integers, process-wide and
    append-only: arrays of codes sort, compare and turn into Arrow dictionaries cheaply."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, int] = {}
        self.names: list[str] = []

    def code(self, name: str) -> int:
        """The code of ``name``, assigned on first use."""
        found = self._codes.get(name)
        if found is not None:
            return found
        with self._lock:
            if name not in self._codes:
                self._codes[name] = len(self.names)
                self.names.append(name)
            return self._codes[name]

    def codes(self, names: Iterable[str]) -> np.ndarray:
        """Codes of many names."""
        return np.array([self.code(name) for name in names], dtype=np.int32)

    def order(self) -> np.ndarray:
        """Rank of each code when the names are sorted (for name tie-breaks)."""
        ranks = np.empty(len(self.names), dtype=np.int64)
        ranks[np.argsort(np.array(self.names, dtype=object))] = np.arange(len(self.names))
        return ranks


ENTITY_NAMES = Names()
"""Codes of entity types in :attr:`Hits.entity`."""
DETECTOR_NAMES = Names()
"""Codes of detector names in :attr:`Hits.detector`."""


@dataclass(frozen=True)
class Hits:
    """One row per finding: the text it is in, its span, type, detector and score.

    Attributes:
        text: Index of the text (into the sequence the hits were found in).
        start: Offset of the first character in that text (``str`` index).
        end: Offset one past the last character.
        entity: Entity type of each finding, as a code of :data:`ENTITY_NAMES`.
        detector: Detector name of each finding, as a code of :data:`DETECTOR_NAMES`.
        score: Score of each finding.
    """

    text: np.ndarray
    start: np.ndarray
    end: np.ndarray
    entity: np.ndarray
    detector: np.ndarray
    score: np.ndarray

    @classmethod
    def empty(cls) -> Hits:
        """No findings."""
        codes = np.zeros(0, dtype=np.int32)
        return cls(_EMPTY_INT, _EMPTY_INT, _EMPTY_INT, codes, codes, np.zeros(0))

    @classmethod
    def concat(cls, parts: Sequence[Hits]) -> Hits:
        """All rows of ``parts``, in order."""
        parts = [part for part in parts if len(part)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(
            *(
                np.concatenate([getattr(part, name) for part in parts])
                for name in ("text", "start", "end", "entity", "detector", "score")
            )
        )

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[int, int, int, int, int, float]]) -> Hits:
        """Hits of ``(text, start, end, entity code, detector code, score)`` rows."""
        if not rows:
            return cls.empty()
        columns = list(zip(*rows, strict=True))
        return cls(
            np.array(columns[0], dtype=np.int64),
            np.array(columns[1], dtype=np.int64),
            np.array(columns[2], dtype=np.int64),
            np.array(columns[3], dtype=np.int32),
            np.array(columns[4], dtype=np.int32),
            np.array(columns[5], dtype=np.float64),
        )

    @classmethod
    def from_lists(
        cls, found: Sequence[Sequence[Finding]], texts: Sequence[int] | None = None
    ) -> Hits:
        """Hits of per-text lists of findings: list ``i`` holds the findings of text ``i``, or
        of text ``texts[i]`` when given."""
        numbers = range(len(found)) if texts is None else texts
        rows = [(index, f) for index, fs in zip(numbers, found, strict=True) for f in fs]
        if not rows:
            return cls.empty()
        return cls(
            np.fromiter((index for index, _ in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((f.start for _, f in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((f.end for _, f in rows), dtype=np.int64, count=len(rows)),
            ENTITY_NAMES.codes(f.entity_type for _, f in rows),
            DETECTOR_NAMES.codes(f.detector for _, f in rows),
            np.fromiter((f.score for _, f in rows), dtype=np.float64, count=len(rows)),
        )

    def __len__(self) -> int:
        return len(self.text)

    def take(self, index: np.ndarray | slice) -> Hits:
        """The rows at ``index`` (integer positions or a boolean mask)."""
        return Hits(
            self.text[index], self.start[index], self.end[index],
            self.entity[index], self.detector[index], self.score[index],
        )  # fmt: skip

    def inserted(self, before: np.ndarray, rows: Hits) -> Hits:
        """These rows with ``rows`` inserted, row ``i`` before row ``before[i]`` of these (in
        the order given where several go before the same row)."""
        return Hits(
            *(
                np.insert(getattr(self, name), before, getattr(rows, name))
                for name in ("text", "start", "end", "entity", "detector", "score")
            )
        )

    def sorted(self) -> Hits:
        """Rows ordered by text, then start, then end."""
        return self.take(ordering(self._text_start(), self.end))

    def _text_start(self) -> np.ndarray:
        """One sort key for (text, start): texts laid end to end."""
        span = int(self.end.max(initial=0)) + 1
        result: np.ndarray = self.text * span + self.start
        return result

    def split(self, sizes: Sequence[int]) -> list[Hits]:
        """Sorted hits of groups of ``sizes[i]`` consecutive texts, one per group, with texts
        numbered within their group."""
        firsts = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        bounds = np.searchsorted(self.text, firsts).tolist()
        return [
            replace(self.take(slice(lo, hi)), text=self.text[lo:hi] - first)
            for lo, hi, first in zip(bounds[:-1], bounds[1:], firsts[:-1].tolist(), strict=True)
        ]

    def findings(self) -> list[Finding]:
        """Every row as a :class:`Finding`, in row order."""
        entities, detectors = ENTITY_NAMES.names, DETECTOR_NAMES.names
        return [
            Finding(start, end, entities[entity], score, detectors[detector])
            for start, end, entity, detector, score in zip(
                self.start.tolist(), self.end.tolist(), self.entity.tolist(),
                self.detector.tolist(), self.score.tolist(),
                strict=True,
            )
        ]  # fmt: skip

    def to_lists(self, count: int) -> list[list[Finding]]:
        """Per-text lists of findings for texts ``0 .. count-1``, in row order."""
        found: list[list[Finding]] = [[] for _ in range(count)]
        for text, finding in zip(self.text.tolist(), self.findings(), strict=True):
            found[text].append(finding)
        return found


def ordering(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """Indices ordering rows by ``major``, then ``minor`` (non-negative integers), ties kept
    in row order, as ``np.lexsort((minor, major))``. One stable sort of a combined key when
    it fits in 63 bits: hits arrive in sorted runs, which that sort merges (5x faster)."""
    if not len(major):
        return np.zeros(0, dtype=np.int64)
    width = int(minor.max()) + 1
    if int(major.max()) < (1 << 62) // width:
        result: np.ndarray = np.argsort(major * width + minor, kind="stable")
        return result
    return np.lexsort((minor, major))


def resolve_hits(
    hits: Hits,
    texts: Sequence[str],
    shadowed_inside: Mapping[str, frozenset[str]] = SHADOWED_INSIDE,
) -> Hits:
    """:func:`~vault_core.pii.finding.resolve_findings` of every text, sorted by text and start.

    Resolution decides within each cluster of overlapping findings, independently of the
    others. A lone finding stays; of two, one stays (the one a shadowing rule keeps, else the
    one first by score, length, start, type and detector); clusters of up to :data:`_SMALL`
    findings are resolved in numpy too, all clusters of one size at once
    (:func:`_resolve_small`), and larger ones, rare, by ``resolve_findings`` in Python.
    ``shadowed_inside`` as there. The pattern pass's findings only: NER's rules are
    ``resolve_findings``'s alone.
    """
    if not len(hits):
        return hits
    ordered = _without_twins(hits)
    # Texts are laid end to end so one running maximum covers all of them.
    span = int(ordered.end.max()) + 1
    finish = ordered.text * span + ordered.end
    reach = np.maximum.accumulate(finish)
    overlapping = np.zeros(len(ordered), dtype=bool)
    overlapping[1:] = ordered.text[1:] * span + ordered.start[1:] < reach[:-1]
    if not overlapping.any():
        return ordered
    cluster = np.cumsum(~overlapping) - 1
    size = np.bincount(cluster)[cluster]
    keep = size == 1
    firsts = np.flatnonzero(~overlapping)
    sizes = size[firsts]
    shadows = _shadows(shadowed_inside)
    # Pairs, ~3,000 per MB of the benchmark's text, by comparing the two (cheaper than the
    # general steps of _resolve_small, measured); then the larger clusters.
    first = firsts[sizes == 2]
    first_wins = _first_wins(ordered, first, first + 1, shadows)
    keep[first[first_wins]] = True
    keep[first[~first_wins] + 1] = True
    clusters_of_size = np.bincount(sizes, minlength=_SMALL + 1)
    for count in range(3, _SMALL + 1):
        if clusters_of_size[count]:
            first = firsts[sizes == count]
            keep[first[:, None] + np.arange(count)] = _resolve_small(ordered, first, count, shadows)
    big = firsts[sizes > _SMALL]
    resolved = [
        resolve_findings(
            texts[int(ordered.text[lo])],
            ordered.take(slice(lo, lo + int(size[lo]))).findings(),
            shadowed_inside,
        )
        for lo in big.tolist()
    ]
    rest = Hits.from_lists(resolved, ordered.text[big].tolist())
    kept = ordered.take(keep)
    if not len(rest):
        return kept
    # A cluster's findings (disjoint, sorted by start) take its place: clusters do not
    # overlap, so this is the order sorting every row would give, without that sort.
    cluster_of = np.repeat(big, [len(found) for found in resolved])
    return kept.inserted(np.searchsorted(np.flatnonzero(keep), cluster_of), rest)


def _shadows(shadowed_inside: Mapping[str, frozenset[str]]) -> np.ndarray:
    """``table[inner, outer]``: a finding of type ``inner`` inside one of type ``outer`` is a
    known false positive (see :data:`~vault_core.pii.finding.SHADOWED_INSIDE`), by entity code."""
    pairs = [
        (ENTITY_NAMES.code(inner), ENTITY_NAMES.code(outer))
        for inner, outers in shadowed_inside.items()
        for outer in outers
    ]
    count = len(ENTITY_NAMES.names)
    table = np.zeros((count, count), dtype=bool)
    for inner, outer in pairs:
        table[inner, outer] = True
    return table


def _first_wins(hits: Hits, a: np.ndarray, b: np.ndarray, shadows: np.ndarray) -> np.ndarray:
    """For overlapping pairs ``(a[i], b[i])``: whether ``resolve_findings`` keeps ``a``
    (``shadows`` as :func:`_shadows` gives it)."""
    a_inside = (hits.start[b] <= hits.start[a]) & (hits.end[a] <= hits.end[b])
    b_inside = (hits.start[a] <= hits.start[b]) & (hits.end[b] <= hits.end[a])
    a_shadowed = a_inside & shadows[hits.entity[a], hits.entity[b]]
    b_shadowed = b_inside & shadows[hits.entity[b], hits.entity[a]]
    # Otherwise the first by (-score, -length, start, type name, detector name) stays.
    entity_rank, detector_rank = ENTITY_NAMES.order(), DETECTOR_NAMES.order()
    keys = [
        (-hits.score[a], -hits.score[b]),
        (hits.start[a] - hits.end[a], hits.start[b] - hits.end[b]),
        (hits.start[a], hits.start[b]),
        (entity_rank[hits.entity[a]], entity_rank[hits.entity[b]]),
        (detector_rank[hits.detector[a]], detector_rank[hits.detector[b]]),
    ]
    first = np.zeros(len(a), dtype=bool)
    for key_a, key_b in reversed(keys):
        first = (key_a < key_b) | ((key_a == key_b) & first)
    result: np.ndarray = np.where(a_shadowed, False, np.where(b_shadowed, True, first))
    return result


_SMALL = 8
"""Clusters of up to this many overlapping findings are resolved in numpy (a step per finding
of a cluster, over all clusters of its size); larger ones, rare, in Python."""


def _resolve_small(hits: Hits, first: np.ndarray, count: int, shadows: np.ndarray) -> np.ndarray:
    """Which findings of the clusters of ``count`` rows beginning at the rows ``first``
    ``resolve_findings`` keeps, as an ``(len(first), count)`` mask: those not inside a finding
    of a type that explains them (:func:`_shadows`), then, by (-score, -length, start, type
    name, detector name), each one overlapping none kept before it."""
    rows = first[:, None] + np.arange(count)
    start, end, entity = hits.start[rows], hits.end[rows], hits.entity[rows]
    # [c, j, i]: finding i of cluster c lies inside its finding j, of a type explaining i's.
    inside = (start[:, :, None] <= start[:, None, :]) & (end[:, :, None] >= end[:, None, :])
    alive = ~(inside & shadows[entity[:, None, :], entity[:, :, None]]).any(axis=1)
    entity_rank, detector_rank = ENTITY_NAMES.order(), DETECTOR_NAMES.order()
    clusters = np.arange(len(first))
    keys = (
        detector_rank[hits.detector[rows]], entity_rank[entity], start, start - end,
        -hits.score[rows], np.repeat(clusters[:, None], count, axis=1),
    )  # fmt: skip
    # Per cluster, its findings' places in the order resolve_findings visits them.
    visit = np.lexsort(tuple(key.ravel() for key in keys)).reshape(-1, count) % count
    kept = np.zeros((len(first), count), dtype=bool)
    for step in range(count):
        at = visit[:, step]
        low, high = start[clusters, at, None], end[clusters, at, None]
        # As resolve_findings asks: a kept finding beginning inside this one, or one beginning
        # before it and reaching into it.
        clash = kept & (((start >= low) & (start < high)) | ((start < low) & (end > low)))
        kept[clusters, at] = alive[clusters, at] & ~clash.any(axis=1)
    return kept


def _without_twins(hits: Hits) -> Hits:
    """Sorted hits keeping, of findings of one type on the same span (two phone detectors on
    one number), the one resolution would keep: the highest score, then the first detector
    name. Dropping the others changes no other decision of the resolution."""
    rank = DETECTOR_NAMES.order()[hits.detector]
    entity_end = hits.end * len(ENTITY_NAMES.names) + hits.entity
    # Ordered by (text, start, end, type, -score, detector). The hits arrive in runs sorted
    # by start (one per detector), so one stable sort on (text, start) is cheap; only the
    # few rows sharing a start are sorted on the other keys (4 keys over all rows cost 4x).
    text_start = hits._text_start()
    order = np.argsort(text_start, kind="stable")
    ordered_start = text_start[order]
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] = ordered_start[1:] == ordered_start[:-1]
    tied[:-1] |= tied[1:]
    if tied.any():
        at = np.flatnonzero(tied)
        rows = order[at]
        order[at] = rows[
            np.lexsort((rank[rows], -hits.score[rows], entity_end[rows], ordered_start[at]))
        ]
    twin = np.zeros(len(order), dtype=bool)
    if tied.any():
        # Twins share (text, start), so they are tied; the same end and type make them twins.
        ordered_end = entity_end[order]
        twin[1:] = ordered_start[1:] == ordered_start[:-1]
        twin[1:] &= ordered_end[1:] == ordered_end[:-1]
    return hits.take(order[~twin] if twin.any() else order)
