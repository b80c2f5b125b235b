"""Finnish personal identity codes (henkilötunnus)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["250886-561V", "040887-062F"])
def test_hetu_is_found(find: Finder, value: str) -> None:
    assert ("FI_PERSONAL_IDENTITY_CODE", value) in find(f"Henkilötunnus {value}")
    assert ("FI_PERSONAL_IDENTITY_CODE", value) in find(f"Ref {value}")


@pytest.mark.parametrize("value", ["250886-561W", "320886-561V"])
def test_wrong_check_character_or_date_is_not_found(find: Finder, value: str) -> None:
    assert not [f for f in find(f"hetu {value}") if f[0] == "FI_PERSONAL_IDENTITY_CODE"]
