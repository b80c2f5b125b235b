"""Brazilian CPF numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["892.172.441-98", "249.473.237-95"])
def test_formatted_cpf_is_found(find: Finder, value: str) -> None:
    assert ("BR_CPF", value) in find(f"Ref {value}")


def test_bare_cpf_needs_context(find: Finder) -> None:
    assert ("BR_CPF", "89217244198") in find("CPF 89217244198")
    assert not [f for f in find("Ref 89217244198") if f[0] == "BR_CPF"]


@pytest.mark.parametrize("text", ["CPF 892.172.441-99", "CPF 89217244199", "CPF 111.111.111-11"])
def test_wrong_check_digits_are_not_found(find: Finder, text: str) -> None:
    assert not [f for f in find(text) if f[0] == "BR_CPF"]
