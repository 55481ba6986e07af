"""Whether an IP address is on the public internet: the one rule for reported URLs and for
anything flagdesk connects to on a reporter's behalf (the safe fetcher).

"Global" is IANA's sense: not loopback, private, link-local, shared (CGNAT, 100.64.0.0/10),
multicast, reserved, documentation or unspecified. IPv6 forms that carry an IPv4 address are
judged by that address, because that is where a packet to them ends up: IPv4-mapped
(``::ffff:127.0.0.1``), 6to4 (``2002:7f00:1::``, IPv4 in bits 16-47) and the well-known NAT64
prefix (``64:ff9b::7f00:1``, IPv4 in the last 32 bits). Two prefixes are refused whatever they
embed: local-use NAT64 (``64:ff9b:1::/48``, RFC 8215, not globally reachable; where it puts the
IPv4 address depends on each network's prefix length) and Teredo (``2001::/32``, a tunnel that
no website is served from, whose client address is obfuscated and whose server is a relay).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

_SHARED = ip_network("100.64.0.0/10")
_NAT64 = ip_network("64:ff9b::/96")
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")
_TEREDO = ip_network("2001::/32")

IPAddress = IPv4Address | IPv6Address


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_global(ip: IPAddress) -> bool:
    # ipaddress's is_global alone is not enough: it counts multicast as global, and its tables
    # differ between Python releases. Every flag is checked, so none can slip through.
    if not ip.is_global or ip.is_multicast or ip.is_private or ip.is_reserved:
        return False
    if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
        return False
    if isinstance(ip, IPv4Address):
        return ip not in _SHARED
    return not ip.is_site_local


def is_global_address(address: str | IPAddress) -> bool:
    """True only for an address on the public internet; anything unparseable is not."""
    if isinstance(address, str):
        try:
            ip: IPAddress = ip_address(address.strip())
        except ValueError:
            return False
    else:
        ip = address
    if isinstance(ip, IPv6Address):
        if (embedded := _embedded_ipv4(ip)) is not None:
            return _is_global(embedded)
        if ip in _NAT64_LOCAL or ip in _TEREDO:
            return False
    return _is_global(ip)
