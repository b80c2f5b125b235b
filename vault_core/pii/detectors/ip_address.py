"""IPv4 (dotted octets 0-255) and IPv6 (as ``ipaddress`` parses them) addresses."""

from __future__ import annotations

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector

DETECTORS = (
    PatternDetector(
        # Four dotted groups of digits, then octets checked (0-255, no leading zero, as
        # ``ipaddress`` reads them): the same findings as a pattern of octet alternatives
        # (a group the alternatives refuse ends every match in a run of digits and dots, where
        # the lead refuses any other start; a refused last group leaves a digit behind the
        # match, which the trail refuses), and a shape the columnar pass reads off the digit
        # runs instead of scanning (see vault_core.pii.scan.repeated_groups).
        "IPv4", "IP_ADDRESS",
        r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}",
        0.9, lead=r"[\w.]", trail=r"[\w]", no_decimal_after=True, validate=v.ipv4,
        context=("ip", "address", "login", "host"),
    ),
    PatternDetector(
        "IPv6", "IP_ADDRESS",
        r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}",
        0.9, lead=r"[\w:]", trail=r"[\w:]", validate=v.ipv6, lead_after=True,
    ),
)  # fmt: skip
