"""The given-name list read from the gender-guesser package."""

from __future__ import annotations

from vault_core.pii.first_names import first_names


def test_given_names_of_many_countries_are_known() -> None:
    names = first_names()
    assert len(names) > 40_000
    for name in ("Cindy", "Pernille", "Wacława", "Toyokazu", "Ástríður", "Johannes"):
        assert names.get(name, 0) >= 1, name


def test_english_function_words_are_not_names() -> None:
    names = first_names()
    for word in ("The", "May", "Will"):
        assert word not in names


def test_list_is_loaded_once() -> None:
    assert first_names() is first_names()
