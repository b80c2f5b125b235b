"""IPv4 (dotted octets 0-255) and IPv6 (as ``ipaddress`` parses them) addresses."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

# 0-255 without leading zeros, as ``ipaddress`` reads an IPv4 octet.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

DETECTORS = (
    PatternDetector(
        "IPv4", "IP_ADDRESS",
        rf"(?:{_OCTET}\.){{3}}{_OCTET}",
        0.9, lead=r"[\w.]", trail=r"[\w]", no_decimal_after=True,
        context=("ip", "address", "login", "host"),
    ),
    PatternDetector(
        "IPv6", "IP_ADDRESS",
        r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}",
        0.9, lead=r"[\w:]", trail=r"[\w:]", validate=v.ipv6, lead_after=True,
    ),
)  # fmt: skip
