"""Singapore NRIC and FIN numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vault_core.pii.detectors.sg_nric import nric_valid

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["S1234567D", "T9396880D", "G2095970W", "T7946483F"])
def test_nric_is_found(find: Finder, value: str) -> None:
    assert nric_valid(value)
    assert ("SG_NRIC_FIN", value) in find(f"NRIC {value}")


@pytest.mark.parametrize("value", ["S1234567E", "T9396880A", "S1234567DX"])
def test_wrong_check_letter_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"NRIC {value}") if f[0] == "SG_NRIC_FIN"]
