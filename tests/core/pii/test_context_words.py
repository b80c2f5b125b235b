"""Where the context words occur in a batch's joined text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii.context_words import ContextWords
from vault_core.pii.joined_text import Corpus

# Words of one length sharing their first eight characters, of lengths on both sides of eight
# and sixteen characters at most.
_WORDS = ("tel", "phone", "telephone", "telephony", "sms", "ab", "passport", "passports",
          "identification", "identifications", "x", "medicare")  # fmt: skip
_WORD_PIECES = st.sampled_from([*_WORDS, "TEL", "Telephone", "PassPort", "é", " ", "\n", "ab",
                                "t", "e", "l", "1", "s", "中"])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_WORD_PIECES, max_size=25).map("".join), min_size=1, max_size=5))
def test_when_context_words_found_then_each_place_where_a_word_begins(texts: list[str]) -> None:
    import polars as pl

    corpus = Corpus.of_texts(texts)
    haystack = corpus.whole()
    found = haystack.frame.select(ContextWords.search(_WORDS)).to_series()
    context = ContextWords.of_found(_WORDS, found, haystack, corpus)
    joined = corpus.joined.lower()
    expected = sorted(
        (at, number)
        for number, word in enumerate(_WORDS)
        for at in range(len(joined))
        if joined.startswith(word, at)
    )
    assert sorted(zip(context.start.tolist(), context.word.tolist(), strict=True)) == expected
    assert isinstance(found, pl.Series)
