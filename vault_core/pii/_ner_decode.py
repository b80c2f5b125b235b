"""spaCy's greedy NER decoding (``BiluoPushDown``, beam width 1) redone with numpy over a batch.

Goes around spaCy's ``Parser.greedy_parse`` for speed: in the spaCy 3.8 wheels every ``StateC``
accessor takes and drops the GIL (``PyGILState_Ensure``/``Release`` compiled into each inline
method), and the move-validity check calls several of them for each of the 74 moves of each
token, so the C loop cost ~57 us a token against ~20 us for the model's network itself
(measured, benchmarks/RESULTS.md). The network's token vectors come from
:mod:`vault_core.pii._tok2vec` where it reproduces the model (else from thinc), its other
layers run in thinc; the transition loop is here. Every move consumes one token, so the states
of a batch advance in lockstep and each step is a few array operations over all of them.

Same features, scores and move rules as spaCy's NER (``ner.pyx``, ``_state.pxd``,
``parser_model.pyx``) for texts without preset entities; :func:`supports` says when the model
is one this decoder reproduces (otherwise the caller uses ``nlp.pipe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vault_core.pii._tok2vec import Tok2Vec, network

# Move types, spaCy's order (ner.pyx); only their meaning matters here.
_MISSING, _BEGIN, _IN, _LAST, _UNIT, _OUT = range(6)
_MOVE_LETTERS = {"M": _MISSING, "B": _BEGIN, "I": _IN, "L": _LAST, "U": _UNIT, "O": _OUT}

# (start token, end token exclusive, label)
TokenEntity = tuple[int, int, str]


def supports(ner: Any) -> bool:
    """Whether ``ner`` (a spaCy pipeline component) is a greedy BILUO entity recognizer with
    the small models' network (3 state features, maxout hidden layer, output layer), on CPU."""
    try:
        from spacy.pipeline import EntityRecognizer
        from spacy.pipeline._parser_internals.ner import BiluoPushDown
    except ImportError:  # pragma: no cover - spaCy is a dependency
        return False
    if type(ner) is not EntityRecognizer or type(ner.moves) is not BiluoPushDown:
        return False
    model = ner.model
    if ner.cfg.get("beam_width", 1) != 1 or not model.attrs.get("has_upper"):
        return False
    if model.attrs.get("unseen_classes") or len(model.layers) != 3:
        return False
    lower = model.layers[1]
    if lower.name != "precomputable_affine" or lower.get_dim("nF") != 3:
        return False
    return type(model.ops).__name__ == "NumpyOps" and all(
        isinstance(lower.get_param(name), np.ndarray) for name in ("W", "b", "pad")
    )


class Decoder:
    """Decodes the entities of docs with an entity recognizer :func:`supports` accepts."""

    def __init__(self, ner: Any) -> None:
        tok2vec = ner.model.layers[0]
        self._tok2vec = network(tok2vec) or tok2vec.predict
        self._lower = ner.model.layers[1]
        upper = ner.model.layers[2]
        self._upper_w = np.ascontiguousarray(upper.get_param("W"))
        self._upper_b = upper.get_param("b")
        moves, labels, names = [], [], [""]
        for index in range(ner.moves.n_moves):
            name = ner.moves.get_class_name(index)
            letter, _, label = name.partition("-")
            moves.append(_MOVE_LETTERS[letter])
            if label not in names:
                names.append(label)
            labels.append(names.index(label))
        self._names = names
        move = np.array(moves)
        label = np.array(labels)
        labelled = label != 0
        self._label = label
        # Columns of each move kind, as (states x moves) masks are built from them.
        self._begin = (move == _BEGIN) & labelled
        self._in = (move == _IN) & labelled
        self._last = (move == _LAST) & labelled
        self._unit = (move == _UNIT) & labelled
        self._out = move == _OUT
        self._move = move
        self._pieces = int(self._lower.get_dim("nP"))

    def lexeme_attributes(self) -> frozenset[int] | None:
        """The lexeme attributes (spaCy attribute ids) that decoding reads, or ``None`` when
        thinc makes the token vectors (whatever its layers read)."""
        from spacy.attrs import IS_SPACE

        if not isinstance(self._tok2vec, Tok2Vec):
            return None
        return frozenset([*self._tok2vec.features, IS_SPACE])

    def entities(self, docs: Sequence[Any]) -> list[list[TokenEntity]]:
        """Entities of each doc as token spans, as spaCy's NER would set ``doc.ents``.

        The docs must come from the tokenizer alone (no preset entities)."""
        return self.entities_of_parts([docs])[0]

    def entities_of_parts(self, parts: Sequence[Sequence[Any]]) -> list[list[list[TokenEntity]]]:
        """:meth:`entities` of several lists of docs: the network runs on each list as given
        (its floats depend on the batch, so spaCy's batches give spaCy's entities), the move
        loop once over the docs of all of them. The loop costs per step, one step per token
        of the longest doc: a batch's length quarters decoded together take about 40% fewer
        steps than one after the other."""
        docs = [doc for part in parts for doc in part]
        found: list[list[TokenEntity]] = [[] for _ in docs]
        lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
        if lengths.any():
            self._decode(docs, lengths, self._table(parts), found)
        split: list[list[list[TokenEntity]]] = []
        first = 0
        for part in parts:
            split.append(found[first : first + len(part)])
            first += len(part)
        return split

    def _table(self, parts: Sequence[Sequence[Any]]) -> np.ndarray:
        """The network, as spaCy's ParserStepModel runs it, on each part: token vectors, then
        each token's contribution to the hidden layer at each of the 3 feature slots; one
        table of (token + 1, feature slot, hidden x piece) for the tokens of all parts in order,
        row 0 the padding (the same in every part)."""
        tables: list[np.ndarray] = []
        for part in parts:
            if not any(len(doc) for doc in part):
                continue
            tokvecs = self._tok2vec(list(part))
            cached, _ = self._lower(tokvecs, False)
            tables.append(
                cached.reshape(cached.shape[0], cached.shape[1], cached.shape[2] * cached.shape[3])
            )
        if len(tables) == 1:
            return tables[0]  # a view, as big as spaCy's own cache
        return np.concatenate([tables[0][:1], *(table[1:] for table in tables)])

    def _decode(
        self,
        docs: Sequence[Any],
        lengths: np.ndarray,
        table: np.ndarray,
        found: list[list[TokenEntity]],
    ) -> None:
        """spaCy's greedy moves over ``docs`` (tokens numbered as in ``table``), their
        entities added to ``found``."""
        from spacy.attrs import ENT_IOB, IS_SPACE, SENT_START

        width = table.shape[2]
        bias = self._lower.get_param("b").reshape(width)
        pieces = self._pieces
        arrays = [doc.to_array([IS_SPACE, SENT_START, ENT_IOB]) for doc in docs if len(doc)]
        flags = np.concatenate(arrays).astype(np.int64)
        if flags[:, 2].any():
            raise ValueError("docs with preset entities are not supported")
        is_space = flags[:, 0] != 0
        sent_start = flags[:, 1] == 1
        offsets = np.zeros(len(docs), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])

        # Docs by length, longest first: at step t the active states are a prefix.
        order = np.argsort(-lengths, kind="stable")
        ordered_lengths = lengths[order]
        ordered_offsets = offsets[order]
        n_states = len(docs)
        is_open = np.zeros(n_states, dtype=bool)
        ent_start = np.zeros(n_states, dtype=np.int64)
        ent_label = np.zeros(n_states, dtype=np.int64)
        label = self._label
        move = self._move
        for t in range(int(ordered_lengths[0])):
            # Lengths are sorted descending: the states still reading come first.
            active = int(np.count_nonzero(ordered_lengths > t))
            base = ordered_offsets[:active]
            b0 = base + t
            opened = is_open[:active]
            # Feature ids (_state.pxd, n == 3): B(0); the entity's first token if one is open;
            # the token before B(0) if one is open. -1 (padding) otherwise; +1 for row 0.
            f1 = np.where(opened, base + ent_start[:active] + 1, 0)
            f2 = np.where(opened, b0, 0)
            hidden = table[b0 + 1, 0] + table[f1, 1]
            hidden += table[f2, 2]
            hidden += bias
            hidden = hidden.reshape(active, -1, pieces)
            # The maxout over pieces: for the small models' two, an elementwise maximum (the
            # same floats) costs a fraction of a reduction along a short axis (~0.1 s a pass).
            if pieces == 2:
                hidden = np.maximum(hidden[:, :, 0], hidden[:, :, 1])
            else:
                hidden = hidden.max(axis=2)
            scores = hidden @ self._upper_w.T
            scores += self._upper_b
            # Validity (ner.pyx, no preset entities).
            has_next = ordered_lengths[:active] > t + 1
            next_ids = np.minimum(b0 + 1, len(sent_start) - 1)
            next_starts = has_next & sent_start[next_ids]
            space = is_space[b0]
            closed = ~opened
            same = label[None, :] == ent_label[:active, None]
            valid = (
                (self._begin & (closed & has_next & ~next_starts & ~space)[:, None])
                | (self._in & (opened & has_next & ~next_starts)[:, None] & same)
                | (self._last & opened[:, None] & same)
                | (self._unit & (closed & ~space)[:, None])
                | (self._out & closed[:, None])
            )
            if not valid.any(axis=1).all():
                # Unreachable without preset entities (O or L is always valid).
                raise ValueError("a state has no valid move")
            # First best valid move, as spaCy's arg_max_if_valid.
            guess = np.where(valid, scores, -np.inf).argmax(axis=1)
            kind = move[guess]
            chosen = label[guess]
            begins = kind == _BEGIN
            units = kind == _UNIT
            lasts = kind == _LAST
            for state in np.flatnonzero(units | lasts):
                start = t if units[state] else int(ent_start[state])
                found[int(order[state])].append((start, t + 1, self._names[chosen[state]]))
            ent_start[:active][begins] = t
            ent_label[:active][begins] = chosen[begins]
            is_open[:active] = (opened & ~lasts) | begins
