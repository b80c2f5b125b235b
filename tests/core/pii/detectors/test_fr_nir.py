"""French NIR (social security numbers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir

from vault_core.pii.detectors.fr_nir import fr_nir
from vault_core.pii.validators import Values

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["198047597035708", "2 68 04 75 958 244 58"])
def test_nir_is_found(find: Finder, value: str) -> None:
    assert ("FR_NIR", value) in find(f"Numéro de sécurité sociale : {value}")


@pytest.mark.parametrize("value", ["198047597035709", "2 68 04 75 958 244 57"])
def test_nir_with_a_wrong_key_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"NIR {value}") if f[0] == "FR_NIR"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"[12][0-9]{14}", fullmatch=True),
            st.from_regex(r"[12][0-9]{4}2[AB][0-9]{8}", fullmatch=True),
            st.from_regex(r"[12]( [0-9]{2}){3}( [0-9]{3}){2} [0-9]{2}", fullmatch=True),
            # Valid keys, so that accepted values are drawn too.
            st.from_regex(r"[12][0-9]{12}", fullmatch=True).map(
                lambda head: f"{head}{97 - int(head) % 97:02d}"
            ),
        ),
        max_size=30,
    )
)
def test_the_numpy_key_check_accepts_what_stdnum_accepts(values: list[str]) -> None:
    expected = [len(value) if nir.is_valid(value) else 0 for value in values]
    assert fr_nir(Values.of(values)).tolist() == expected
