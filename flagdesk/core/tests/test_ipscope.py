"""The one rule for "is this address on the public internet" (intake now, the fetcher later)."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from flagdesk.core.ipscope import is_global_address


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "2606:4700::1",
        "::ffff:93.184.215.14",  # IPv4-mapped: judged as the IPv4 address
        "2002:5db8:d70e::1",  # 6to4 of 93.184.215.14
        "64:ff9b::5db8:d70e",  # NAT64 (well-known prefix) of 93.184.215.14
    ],
)
def test_public_addresses(address):
    assert is_global_address(address)
    assert is_global_address(ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # link-local: cloud metadata
        "100.64.0.1",  # shared address space (CGNAT)
        "100.127.255.254",
        "224.0.0.1",  # multicast, which ipaddress calls global
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "0.0.0.0",  # noqa: S104 (an address to classify, not to bind)
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fd00::1",  # unique local
        "fec0::1",  # site-local (deprecated), which ipaddress calls global
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::5db8:d70e",  # local-use NAT64 prefix: never global
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "2001::1",
        "",
        "localhost",
        "93.184.215.14.example",
        "1.2.3",
    ],
)
def test_everything_else_is_not_global(address):
    assert not is_global_address(address)
