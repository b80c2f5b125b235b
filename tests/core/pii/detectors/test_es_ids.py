"""Spanish DNI/NIF and NIE numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["39548620M", "41252427-H"])
def test_dni_is_found(find: Finder, value: str) -> None:
    assert ("ES_NIF", value) in find(f"Mi DNI es {value}.")
    assert ("ES_NIF", value) in find(f"Ref {value}")  # the check letter is enough


@pytest.mark.parametrize("value", ["Y8612213S", "Y-0910317-Z"])
def test_nie_is_found(find: Finder, value: str) -> None:
    assert ("ES_NIE", value) in find(f"NIE: {value}")


@pytest.mark.parametrize("text", ["DNI 39548620N", "NIE Y8612213T", "DNI 395486201M"])
def test_wrong_check_letter_or_length_is_not_found(find: Finder, text: str) -> None:
    assert not [f for f in find(text) if f[0] in ("ES_NIF", "ES_NIE")]
