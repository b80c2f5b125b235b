"""Texts as the detectors read them, with the map from their offsets back to the original.

Obfuscated PII (a card with no-break or zero-width spaces, an SSN in full-width digits or with
an en dash, an e-mail with a full-width ``＠`` or a Cyrillic ``а``) is read as its plain form:
NFKC, invisible (format) characters removed, Unicode spaces, dashes and decimal digits folded to
ASCII, and Cyrillic/Greek look-alikes of Latin letters folded inside words that become Latin.
Findings are made on the normalized text and mapped back (:meth:`OffsetMap.span`), so a
replacement covers the original characters, invisible ones inside the value included.

Escaped line breaks and tabs written out as two characters (``\\n``, ``\\t``, ``\\r``: text
exported through JSON or a log line) are read as the break they stand for: the ``n`` after the
backslash becomes a line break, so "...\\nPhone: 062 301 57 47" holds the word "Phone" and a
number after a break, not "nPhone". One character for one: offsets do not move.

Otherwise pure-ASCII texts are never touched (the common case costs one ASCII check per
column), and a text whose changes are all one character for one character needs no map at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vault_core.pii.hits import Hits
from vault_core.pii.scan.batches import Texts

# Cyrillic, Greek and Armenian letters that look like a Latin letter, one character for one
# (the offsets stay the same). A small hand-picked table: the full Unicode confusables table
# (UTS #39) maps to multi-character skeletons ("rn" for "m") and would move offsets.
CONFUSABLES: Mapping[str, str] = MappingProxyType({
    # Cyrillic capitals
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M", "\u041d": "H",
    "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T", "\u0423": "Y", "\u0425": "X",
    "\u0405": "S", "\u0406": "I", "\u0408": "J", "\u04ae": "Y", "\u04c0": "I", "\u051a": "Q",
    "\u051c": "W",
    # Cyrillic small letters
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y",
    "\u0445": "x", "\u0455": "s", "\u0456": "i", "\u0458": "j", "\u04bb": "h", "\u0501": "d",
    "\u04cf": "l", "\u04af": "y", "\u051b": "q", "\u051d": "w", "\u0461": "w",
    # Greek capitals
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H", "\u0399": "I",
    "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T",
    "\u03a5": "Y", "\u03a7": "X",
    # Greek small letters
    "\u03bf": "o", "\u03b1": "a", "\u03bd": "v", "\u03c1": "p", "\u03b9": "i", "\u03ba": "k",
    "\u03c7": "x", "\u03c5": "u", "\u03b3": "y", "\u03f2": "c", "\u03f3": "j",
    # Armenian small letters
    "\u0585": "o", "\u057d": "u", "\u0570": "h", "\u0578": "n",
})  # fmt: skip
"""Look-alike -> Latin letter; folded only in a word that becomes all Latin letters."""

_CONFUSABLE_TABLE = str.maketrans(dict(CONFUSABLES))
_CONFUSABLE_WORD = re.compile(
    "[^\\W\\d_]*[" + "".join(CONFUSABLES) + "][^\\W\\d_]*"
)  # a run of letters holding at least one look-alike
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Dashes that are not in category Pd.
_EXTRA_DASHES = frozenset("\u2212\u2043\u02d7\u2796")
# Invisible characters outside category Cf (Cf, format characters, are all dropped).
_EXTRA_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")

_fold_cache: dict[str, str] = {}
_stable: set[str] = set()
_marks: set[str] = set()
_latin: dict[str, bool] = {}


@dataclass(frozen=True)
class OffsetMap:
    """Where each character of a normalized text comes from in the original.

    Attributes:
        starts: Per normalized character, the original offset its source begins at.
        ends: Per normalized character, the original offset its source ends at.
        length: Length of the original text.
    """

    starts: np.ndarray
    ends: np.ndarray
    length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalized span ``[start, end)``: from the start of its
        first character's source to the end of its last one's, so characters removed inside
        it (zero-width ones) are covered."""
        size = len(self.starts)
        if end <= start:
            at = int(self.starts[start]) if start < size else self.length
            return at, at
        return int(self.starts[start]), int(self.ends[end - 1])


def _fold(piece: str) -> str:
    """A character, or a base character with its combining marks, as the detectors read it."""
    found = _fold_cache.get(piece)
    if found is not None:
        return found
    out = []
    for char in unicodedata.normalize("NFKC", piece):
        category = unicodedata.category(char)
        if category == "Cf" or char in _EXTRA_INVISIBLE:
            continue
        if category == "Zs":
            out.append(" ")
        elif category in ("Zl", "Zp"):
            out.append("\n")
        elif category == "Pd" or char in _EXTRA_DASHES:
            out.append("-")
        elif category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    folded = "".join(out)
    if len(_fold_cache) < 100_000:
        _fold_cache[piece] = folded
    return folded


def _is_mark(char: str) -> bool:
    if char in _marks:
        return True
    if unicodedata.category(char).startswith("M") and char not in _EXTRA_INVISIBLE:
        _marks.add(char)
        return True
    return False


def _is_stable(char: str) -> bool:
    """Whether the character reads as itself and never combines with the one before."""
    if char in _stable:
        return True
    if _fold(char) == char and not _is_mark(char):
        if len(_stable) < 100_000:
            _stable.add(char)
        return True
    return False


def _is_latin(char: str) -> bool:
    found = _latin.get(char)
    if found is None:
        found = char.isascii() or unicodedata.name(char, "").startswith("LATIN ")
        _latin[char] = found
    return found


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    folded = word.translate(_CONFUSABLE_TABLE)
    return folded if all(map(_is_latin, folded)) else word


def normalize_text(text: str) -> tuple[str, OffsetMap | None]:
    """The text as the detectors read it, and its offset map (``None``: offsets unchanged).

    Lone surrogates are kept as they are.
    """
    if text.isascii():
        return text, None
    chars = {char for char in set(text) if char > "\x7f"}
    unstable = [char for char in chars if not _is_stable(char)]
    confusable = not chars.isdisjoint(CONFUSABLES)
    if not unstable and not confusable:
        return text, None
    normalized, offsets = _folded(text) if unstable else (text, None)
    if confusable:
        normalized = _CONFUSABLE_WORD.sub(_fold_word, normalized)
    return normalized, offsets


def _folded(text: str) -> tuple[str, OffsetMap | None]:
    """:func:`normalize_text` without the look-alikes, cluster by cluster (a base character
    and its combining marks) in the non-ASCII runs only."""
    pieces: list[str] = []
    # Clusters whose output is not one character: (start, end, output length).
    moved: list[tuple[int, int, int]] = []
    position = 0
    for run in _NON_ASCII_RUN.finditer(text):
        begin, stop = run.span()
        # A combining mark after an ASCII letter ("e" + U+0301) composes with it.
        if begin > position and _is_mark(text[begin]):
            begin -= 1
        pieces.append(text[position:begin])
        index = begin
        while index < stop:
            after = index + 1
            while after < stop and _is_mark(text[after]):
                after += 1
            cluster = text[index:after]
            out = cluster if after - index == 1 and _is_stable(cluster) else _fold(cluster)
            pieces.append(out)
            if len(out) != 1 or after - index != 1:
                moved.append((index, after, len(out)))
            index = after
        position = stop
    pieces.append(text[position:])
    normalized = "".join(pieces)
    if not moved:
        return normalized, None
    size = len(text)
    out_length = np.ones(size, dtype=np.int64)
    source_end = np.arange(1, size + 1, dtype=np.int64)
    for start, end, length in moved:
        out_length[start:end] = 0
        out_length[start] = length
        source_end[start] = end
    positions = np.arange(size, dtype=np.int64)
    return normalized, OffsetMap(
        np.repeat(positions, out_length), np.repeat(source_end, out_length), size
    )


def unescape_breaks(text: str) -> str:
    """``text`` with written-out ``\\n``, ``\\t`` and ``\\r`` read as the characters they
    stand for, the backslash kept (same length)."""
    if "\\" not in text:
        return text
    return _ESCAPED_BREAK.sub(_unescape_one, text)


_ESCAPED_BREAK = re.compile(r"\\[ntr]")
_BREAKS = {"n": "\n", "t": "\t", "r": "\r"}


def _unescape_one(match: re.Match[str]) -> str:
    return "\\" + _BREAKS[match.group()[1]]


def _unescaped(texts: Texts) -> Texts:
    """:func:`unescape_breaks` of each text (one C++ pass per break for an Arrow array)."""
    if isinstance(texts, pa.Array):
        if not len(texts) or not _holds_backslash(texts):
            return texts
        for letter, char in _BREAKS.items():
            texts = pc.replace_substring(texts, "\\" + letter, "\\" + char)
        return texts
    if not any("\\" in text for text in texts):
        return texts
    return [unescape_breaks(text) for text in texts]


def _holds_backslash(texts: pa.Array) -> bool:
    """Whether any string of the array holds a backslash (one pass over its bytes)."""
    large = texts.cast(pa.large_string())
    data = large.buffers()[2]
    if data is None:
        return False
    offsets = np.frombuffer(large.buffers()[1], dtype=np.int64)
    body = np.frombuffer(data, dtype=np.uint8)[
        offsets[large.offset] : offsets[large.offset + len(large)]
    ]
    return bool((body == ord("\\")).any())


def normalize_texts(texts: Texts, first: int = 0) -> tuple[Texts, dict[int, OffsetMap]]:
    """:func:`normalize_text` of each text, written-out line breaks read as breaks
    (:func:`unescape_breaks`); the texts themselves when all are ASCII without them.

    Returns the texts (same kind: list or Arrow array) and the offset maps of the texts whose
    offsets moved, by position plus ``first``.
    """
    maps: dict[int, OffsetMap] = {}
    texts = _unescaped(texts)
    if isinstance(texts, pa.Array):
        if not len(texts):
            return texts, maps
        if _all_ascii(texts):
            return texts, maps
        is_ascii = pc.string_is_ascii(texts)
        others = np.flatnonzero(~is_ascii.to_numpy(zero_copy_only=False))
        values = texts.take(pa.array(others)).to_pylist()
        changed = np.zeros(len(texts), dtype=bool)
        replacements: list[str] = []
        for index, value in zip(others.tolist(), values, strict=True):
            normalized, offsets = normalize_text(value)
            if offsets is not None:
                maps[first + index] = offsets
            if normalized != value:
                changed[index] = True
                replacements.append(normalized)
        if not replacements:
            return texts, maps
        swapped = pc.replace_with_mask(texts, pa.array(changed), pa.array(replacements, texts.type))
        return swapped, maps
    if all(map(str.isascii, texts)):
        return texts, maps
    out: list[str] = []
    for index, text in enumerate(texts):
        normalized, offsets = normalize_text(text)
        if offsets is not None:
            maps[first + index] = offsets
        out.append(normalized)
    return out, maps


def _all_ascii(texts: pa.Array) -> bool:
    """Whether a string array is all ASCII: one pass over its bytes (a twentieth of the time
    of ``pc.string_is_ascii``, which decides per string)."""
    large = texts.cast(pa.large_string())
    data = large.buffers()[2]
    if data is None:
        return True
    offsets = np.frombuffer(large.buffers()[1], dtype=np.int64)[
        large.offset : large.offset + len(large) + 1
    ]
    body = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(body.max(initial=0) < 0x80)


def map_back(hits: Hits, maps: Mapping[int, OffsetMap]) -> Hits:
    """Hits on normalized texts as offsets into the original texts (``maps`` by text)."""
    if not maps or not len(hits):
        return hits
    moved = np.flatnonzero(np.isin(hits.text, np.fromiter(maps, dtype=np.int64)))
    if not len(moved):
        return hits
    start = hits.start.copy()
    end = hits.end.copy()
    for row in moved.tolist():
        start[row], end[row] = maps[int(hits.text[row])].span(int(start[row]), int(end[row]))
    return replace(hits, start=start, end=end)
