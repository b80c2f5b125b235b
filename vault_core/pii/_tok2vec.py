"""The token vectors of spaCy's small English NER (its own ``tok2vec``: hash embeddings, then a
maxout CNN) computed with numpy for inference, to the same floats as thinc's ``predict``.

Goes around thinc for speed: its layers keep what training needs and inference does not (the
maxout's arg-max, each layer's backprop closure, the list and ragged wrappers around every
step). On the independent corpus's 2,428 NER pieces the whole NER of a worker went from 1.37 to
1.21 CPU-s with this (one thread, alternated in one process; benchmarks/RESULTS.md).

Every array operation is thinc's own, in its order and on the same layouts (the maxout's
weights keep their pieces interleaved: the same matrix product with rows permuted gave other
floats), so the vectors are bitwise thinc's (tested).
:func:`network` says when a model is one this reproduces; otherwise the caller keeps thinc.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_FEATURES = ("NORM", "PREFIX", "SUFFIX", "SHAPE")
_CNN_BLOCK = ("expand_window", "maxout", "layernorm", "dropout")


@dataclass(frozen=True)
class _MaxoutNorm:
    """``maxout >> layernorm`` (dropout is nothing at inference)."""

    weights: np.ndarray  # (outputs x pieces, inputs), thinc's layout
    bias: np.ndarray  # (outputs x pieces,)
    pieces: int
    gain: np.ndarray
    shift: np.ndarray

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        scores = np.dot(inputs, self.weights.T)
        scores += self.bias
        # The maximum over each output's pieces, interleaved in a row (thinc's cpu_maxout,
        # without the arg-max only backprop reads).
        best = np.maximum(scores[:, 0 :: self.pieces], scores[:, 1 :: self.pieces])
        for piece in range(2, self.pieces):
            np.maximum(best, scores[:, piece :: self.pieces], out=best)
        # thinc's layernorm: numpy's mean and var, step by step, the deviation computed once.
        count = np.intp(best.shape[1])
        mean = np.add.reduce(best, axis=1, keepdims=True)
        np.true_divide(mean, count, out=mean, casting="unsafe")
        deviation = best - mean
        variance = np.add.reduce(np.multiply(deviation, deviation), axis=1, keepdims=True)
        np.true_divide(variance, count, out=variance, casting="unsafe")
        variance = variance + 1e-08
        normed = deviation * variance ** (-1.0 / 2.0)
        out: np.ndarray = normed * self.gain
        out += self.shift
        return out


class Tok2Vec:
    """The token vectors of a list of docs, as ``model.predict(docs)`` gives them: one array,
    the docs' tokens one after another."""

    def __init__(self, model: Any) -> None:
        self._ops = model.ops
        self._columns = next(
            list(node.attrs["columns"]) for node in model.walk() if node.name == "extract_features"
        )
        self._embeddings = [
            (node.get_param("E"), int(node.attrs["seed"]))
            for node in model.walk()
            if node.name == "hashembed"
        ]
        maxouts = [node for node in model.walk() if node.name == "maxout"]
        norms = [node for node in model.walk() if node.name == "layernorm"]
        layers = [_maxout_norm(maxout, norm) for maxout, norm in zip(maxouts, norms, strict=True)]
        self._mix, self._blocks = layers[0], layers[1:]
        self._pad = next(
            int(node.attrs["pad"])
            for node in model.walk()
            if node.name.startswith("with_array(residual(")
        )
        linear = next(node for node in model.walk() if node.name == "linear")
        self._out_weights = linear.get_param("W")
        self._out_bias = linear.get_param("b")

    @property
    def features(self) -> list[int]:
        """The lexeme attributes (spaCy attribute ids) the vectors are made of."""
        from spacy.attrs import IDS

        return [IDS[name] if isinstance(name, str) else int(name) for name in self._columns]

    def __call__(self, docs: Sequence[Any]) -> np.ndarray:
        ops = self._ops
        features = [doc.to_array(self._columns) for doc in docs]
        lengths = np.array([len(rows) for rows in features], dtype=np.int64)
        if not lengths.any():
            return np.zeros((0, len(self._out_bias)), dtype=self._out_bias.dtype)
        ids = np.concatenate(features).astype(np.uint64, copy=False)
        # HashEmbed: four hashed rows of a column's table, summed (thinc's own kernels).
        embedded = [
            ops.gather_add(table, ops.hash(np.ascontiguousarray(ids[:, column]), seed) % len(table))
            for column, (table, seed) in enumerate(self._embeddings)
        ]
        vectors = self._mix(np.hstack(embedded))
        # The CNN reads the docs one after another with `pad` zero rows before, between and
        # after them (thinc's flatten; docs without tokens get none), and the pad rows go
        # through every layer as thinc computes them.
        kept = lengths[lengths > 0]
        pad = self._pad
        starts = pad + np.concatenate(([0], np.cumsum(kept[:-1] + pad)))
        rows = np.repeat(starts - np.concatenate(([0], np.cumsum(kept[:-1]))), kept)
        rows += np.arange(len(vectors))
        flat = np.zeros((int(kept.sum()) + pad * (len(kept) + 1), vectors.shape[1]), vectors.dtype)
        flat[rows] = vectors
        for block in self._blocks:
            flat = flat + block(ops.seq2col(flat, 1))
        out: np.ndarray = np.dot(flat[rows], self._out_weights.T)
        out += self._out_bias
        return out


def _maxout_norm(maxout: Any, norm: Any) -> _MaxoutNorm:
    weights = maxout.get_param("W")
    outputs, pieces, inputs = weights.shape
    return _MaxoutNorm(
        weights=weights.reshape(outputs * pieces, inputs),
        bias=maxout.get_param("b").reshape(outputs * pieces),
        pieces=pieces,
        gain=norm.get_param("G"),
        shift=norm.get_param("b"),
    )


def network(model: Any) -> Tok2Vec | None:
    """:class:`Tok2Vec` for ``model`` (the NER's ``tok2vec`` layer), or ``None`` unless it is
    the architecture of spaCy's small English pipelines on numpy: the features NORM, PREFIX,
    SUFFIX and SHAPE hash-embedded, a maxout mixing them, residual blocks of a window of one
    token each side, then a linear layer."""
    if type(model.ops).__name__ != "NumpyOps":
        return None
    leaves = [node for node in model.walk() if not node.layers]
    names = sorted(node.name for node in leaves)
    depth = names.count("expand_window")
    expected = sorted(
        [
            "extract_features",
            "list2ragged",
            "ragged2list",
            "list2array",
            "linear",
            *(["ints-getitem", "hashembed"] * len(_FEATURES)),
            "maxout",
            "layernorm",
            "dropout",
            *(list(_CNN_BLOCK) * depth),
        ]
    )
    if names != expected or depth == 0:
        return None
    extract = next(node for node in leaves if node.name == "extract_features")
    getters = [node.attrs.get("index") for node in leaves if node.name == "ints-getitem"]
    windows = {node.attrs.get("window_size") for node in leaves if node.name == "expand_window"}
    residuals = [
        node for node in model.walk() if node.name.startswith("residual(") and len(node.layers) == 1
    ]
    padded = [node for node in model.walk() if node.name.startswith("with_array(residual(")]
    if (
        list(extract.attrs.get("columns", ())) != list(_FEATURES)
        or [index[1] if isinstance(index, tuple) else None for index in getters]
        != list(range(len(_FEATURES)))
        or windows != {1}
        or len(residuals) != depth
        or len(padded) != 1
        or not all(
            isinstance(node.get_param(name), np.ndarray)
            for node in leaves
            for name in node.param_names
        )
    ):
        return None
    # In the order walked (breadth first), the mixing maxout comes first and reads the
    # embeddings side by side; each block's reads a window of three token vectors.
    widths = [node.get_param("E").shape[1] for node in leaves if node.name == "hashembed"]
    maxouts = [node for node in model.walk() if node.name == "maxout"]
    inputs = [node.get_param("W").shape[2] for node in maxouts]
    outputs = [node.get_param("W").shape[0] for node in maxouts]
    if inputs != [sum(widths)] + [3 * width for width in outputs[1:]]:
        return None
    return Tok2Vec(model)
