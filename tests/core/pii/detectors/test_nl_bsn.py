"""Dutch BSN numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)


@pytest.mark.parametrize("value", ["163635766", "4536.84.993"])
def test_bsn_with_context_is_found(find: Finder, value: str) -> None:
    assert ("NL_BSN", value) in find(f"BSN {value}")


def test_bsn_failing_the_eleven_test_or_without_context_is_not(find: Finder) -> None:
    assert not [f for f in find("BSN 163635767") if f[0] == "NL_BSN"]
    assert not [f for f in find("Invoice 163635766") if f[0] == "NL_BSN"]
