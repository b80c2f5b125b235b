"""French NIR (social security numbers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["198047597035708", "2 68 04 75 958 244 58"])
def test_nir_is_found(find: Finder, value: str) -> None:
    assert ("FR_NIR", value) in find(f"Numéro de sécurité sociale : {value}")


@pytest.mark.parametrize("value", ["198047597035709", "2 68 04 75 958 244 57"])
def test_nir_with_a_wrong_key_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"NIR {value}") if f[0] == "FR_NIR"]
