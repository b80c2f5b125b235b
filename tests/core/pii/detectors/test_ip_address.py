"""IPv4 addresses: four dotted groups of digits whose groups are octets."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from vault_core.pii.validators import Values, ipv4

Finder = Callable[[str], list[tuple[str, str]]]  # the `find` fixture (conftest.py)

# The pattern of octet alternatives IPv4 was found with before it became digit groups and a
# validator, with its lead and trail: the findings must not change.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_OCTETS = re.compile(rf"(?<![\w.])((?:{_OCTET}\.){{3}}{_OCTET})(?!\w)(?!\.[0-9])")


@pytest.mark.parametrize(
    "text",
    [
        "host 10.0.0.1 is up", "0.0.0.0", "255.255.255.255", "1.2.3.4.", "at 192.168.1.20:",
        "01.2.3.4", "1.2.3.05", "1.2.3.256", "256.1.2.3", "1.2.300.4", "1.2.3.4567",
        "1.2.3.4.5", "1.2.3.4a", "a1.2.3.4", ".1.2.3.4", "1.2.3.4 and 5.6.7.8",
        "999.1.2.3 10.0.0.1", "1.2.3 4.5.6.7", "12.34.56.78.90.12", "v1.2.3.4",
        "(8.8.4.4)", "1.2.3.2555", "25.25.25.25", "100.200.249.250",
    ],
)  # fmt: skip
def test_ipv4_finds_what_the_octet_pattern_found(find: Finder, text: str) -> None:
    found = [value for kind, value in find(text) if kind == "IP_ADDRESS"]
    assert found == [match.group(1) for match in _OCTETS.finditer(text)]


def test_octets_are_0_to_255_without_a_leading_zero() -> None:
    values = ["1.2.3.4", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3.256", "1.2.300.4",
              "1.2.3.00", "10.20.30.40"]  # fmt: skip
    assert (ipv4(Values.of(values)) > 0).tolist() == [
        True, True, True, False, False, False, False, True,
    ]  # fmt: skip
