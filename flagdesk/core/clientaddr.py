"""The address of the client behind a request, seen through the reverse proxies we trust.

Behind a reverse proxy every request comes from the proxy's address, so rate limits would put
every client in one bucket. ``X-Forwarded-For`` names the real client, but anyone can send that
header, so it is believed only as far as ``settings.TRUSTED_PROXIES`` vouches for it: walking it
from the right (each proxy appends the address it received the request from), every hop
written by a trusted proxy is believed, and the first address that is not a trusted proxy is
the client. A client can put anything it likes to the left of that; none of it is read.

Rate limits use this now; any other per-client decision (login throttling) must use it too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.http import HttpRequest

_PORT = re.compile(r":[0-9]{1,5}")
Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    # settings.py checked the syntax at start-up (env_networks); tests may set any list.
    return tuple(ip_network(s, strict=False) for s in spec)


def _trusted(address: Address) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def parse_hop(text: str) -> Address | None:
    """One ``X-Forwarded-For`` entry as an address, or None when it is not one.

    Proxies write ``192.0.2.1``, ``2001:db8::1``, and some add a port (``192.0.2.1:4711``,
    ``[2001:db8::1]:4711``). An IPv4 address seen through IPv6 (``::ffff:192.0.2.1``) counts
    as the IPv4 address, so one client has one bucket however it arrived.
    """
    text = text.strip()
    if text.startswith("["):
        text, bracket, port = text[1:].partition("]")
        if not bracket or (port and not _PORT.fullmatch(port)):
            return None
    elif text.count(":") == 1:
        text, port = text.split(":")
        if not _PORT.fullmatch(f":{port}"):
            return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection comes from one of ``settings.TRUSTED_PROXIES``: only then may a
    forwarded header (``X-Forwarded-For``, ``X-Forwarded-Proto``) say anything about the
    client."""
    peer = parse_hop(str(request.META.get("REMOTE_ADDR", "")))
    return peer is not None and bool(settings.TRUSTED_PROXIES) and _trusted(peer)


def client_address(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, unless it is a trusted proxy: then the first address, from the right
    of ``X-Forwarded-For``, that is not a trusted proxy.

    A malformed entry ends the walk at the last address a trusted proxy vouched for (the
    proxies' own address at worst): requests with garbage in the header share that bucket,
    and a spoofed value further left is never believed.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    peer = parse_hop(remote)
    if peer is None:
        return remote  # e.g. a Unix socket: nothing to interpret
    if not settings.TRUSTED_PROXIES or not _trusted(peer):
        return str(peer)
    closest = peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed(forwarded.split(",") if forwarded.strip() else []):
        address = parse_hop(hop)
        if address is None:
            break
        if not _trusted(address):
            return str(address)
        closest = address
    return str(closest)
