"""Which webhook URLs may be called: public addresses only, unless the operator allows more.

A URL is resolved once and every address it resolves to must be global (not private, loopback,
link-local, shared, reserved or multicast: that covers cloud metadata endpoints such as
169.254.169.254, fd00:ec2::254 and 100.100.100.200), or fall in a network the operator allowed
(``allow_networks=["127.0.0.1/32"]`` for tests and local development). The caller connects to
the address vetted here, never resolves again, so a DNS answer cannot change in between.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from vault_core.events.exceptions import TargetRefusedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Target:
    """A vetted URL: where to connect, and what to send as Host and SNI."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: str


def parse_networks(networks: Sequence[str]) -> list[IPNetwork]:
    """``["127.0.0.1/32", "10.0.0.0/8"]`` -> networks (a bare address is a /32 or /128)."""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip()]


def _address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def public_url(url: str) -> str:
    """``url`` without user info and query (which may hold tokens): for listings and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{query}"


def check_url(url: str) -> None:
    """Check the shape of a webhook URL (http or https, a host); no lookup.

    Raises:
        TargetRefusedError: The URL is not an absolute http(s) URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefusedError(
            f"webhook URL {public_url(url)!r} is not an absolute http(s) URL", url=url
        )
    if parts.fragment:
        raise TargetRefusedError("a webhook URL has no #fragment", url=url)


def resolve_target(url: str, allow_networks: Sequence[str] = ()) -> Target:
    """Resolve ``url`` and vet every address it names.

    Raises:
        TargetRefusedError: Bad URL, unresolvable host, or an address that is not public and
            not in ``allow_networks``.
    """
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = parse_networks(allow_networks)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefusedError(
            f"cannot resolve the host of webhook URL {public_url(url)!r}", url=url
        ) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise TargetRefusedError(f"{public_url(url)!r} resolves to no address", url=url)
    for text in addresses:
        address = _address(text)
        if any(address in network for network in allowed):
            continue
        if not address.is_global or address.is_multicast:
            raise TargetRefusedError(
                f"webhook URL {public_url(url)!r} resolves to {address}, a private, loopback, "
                "link-local or metadata address: refused (allow it explicitly with "
                "allow_networks / VAULT_WEBHOOKS_ALLOW_NETWORKS, e.g. for local development)",
                url=url,
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, parts.scheme, host, port, path, addresses[0])


ALLOW_NETWORKS_ENV = "VAULT_WEBHOOKS_ALLOW_NETWORKS"


def networks_from_env(name: str = ALLOW_NETWORKS_ENV) -> list[str]:
    """The networks an operator allowed in ``$VAULT_WEBHOOKS_ALLOW_NETWORKS`` (comma-separated,
    e.g. ``127.0.0.1/32,10.1.0.0/16``); empty when unset."""
    return [n.strip() for n in os.environ.get(name, "").split(",") if n.strip()]
