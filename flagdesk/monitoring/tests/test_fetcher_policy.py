"""What the safe fetcher refuses before connecting: schemes, credentials, ports, and every
spelling of an address that is not on the public internet."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as settings_profile
from hypothesis import strategies as st

from flagdesk.monitoring.fetcher import fetch
from flagdesk.monitoring.fetcher.policy import (
    Refused,
    is_allowed_address,
    parse_ipv4,
    parse_target,
)

from .hostile_server import HostileServer

UNSPECIFIED = "0.0.0.0"  # noqa: S104 - an address to refuse, not one to bind to
# How browsers (WHATWG URL parser) read these hosts.
SPELLINGS = {
    "127.0.0.1": "127.0.0.1",
    "2130706433": "127.0.0.1",  # one decimal number
    "0x7f000001": "127.0.0.1",  # one hex number
    "0X7F.1": "127.0.0.1",
    "0177.0.0.1": "127.0.0.1",  # octal
    "0177.1": "127.0.0.1",
    "127.1": "127.0.0.1",
    "127.0.1": "127.0.0.1",
    "127.0.0.1.": "127.0.0.1",  # trailing dot
    "0x7f.0x0.0x0.0x1": "127.0.0.1",
    "00000177.0.0.01": "127.0.0.1",
    "127%2e0%2e0%2e1": "127.0.0.1",  # percent-encoded dots
    "\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11": "127.0.0.1",  # full-width
    "127。0。0。1": "127.0.0.1",  # ideographic full stops
    "①②⑦.⓪.⓪.①": "127.0.0.1",  # circled digits (UTS 46 maps them)
    "0": UNSPECIFIED,
    "0x": UNSPECIFIED,
    "10.1": "10.0.0.1",
    "167772161": "10.0.0.1",
    "012.0.0.1": "10.0.0.1",
    "0xa9.0xfe.0xa9.0xfe": "169.254.169.254",
    "0xa9fea9fe": "169.254.169.254",
    "192.168.257": "192.168.1.1",
    "100.64.1": "100.64.0.1",
    "1.65536": "1.1.0.0",
    "0xffffffff": "255.255.255.255",
}


@pytest.mark.parametrize(("host", "expected"), sorted(SPELLINGS.items()))
def test_hosts_are_read_as_browsers_read_them(host: str, expected: str) -> None:
    target = parse_target(f"http://{host}/x")
    assert str(target.ip) == target.host == expected


@pytest.mark.parametrize(
    "host",
    ["1.2.3.4.5", "256.0.0.1", "4294967296", "1.16777216.0", "foo.123", "1..2", "09.1"],
)
def test_hosts_that_end_in_a_number_but_are_no_address_are_invalid(host: str) -> None:
    assert parse_ipv4(host) is None
    with pytest.raises(Refused) as refused:
        parse_target(f"http://{host}/")
    assert refused.value.reason == "invalid_url"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme_not_allowed"),
        ("ftp://files.test/", "scheme_not_allowed"),
        ("gopher://site.test:70/", "scheme_not_allowed"),
        ("javascript:alert(1)", "scheme_not_allowed"),
        ("data:text/html,hi", "scheme_not_allowed"),
        ("//site.test/", "invalid_url"),
        ("", "invalid_url"),
        ("http://", "invalid_url"),
        ("http://user:pass@site.test/", "credentials_in_url"),
        ("http://user@site.test/", "credentials_in_url"),
        ("https://:@site.test/", "credentials_in_url"),
        ("http://site.test:0/", "port_not_allowed"),
        ("http://site.test:00/", "port_not_allowed"),
        ("http://site.test:65536/", "invalid_url"),
        ("http://site.test:+80/", "invalid_url"),
        ("http://site.test:\uff18\uff10/", "invalid_url"),
        ("http://site.test:8o/", "invalid_url"),
        ("http://[::1/", "invalid_url"),
        ("http://[fe80::1%25eth0]/", "invalid_url"),
        ("http://site..test/", "invalid_url"),
        ("http://sp ace.test/", "invalid_url"),
        ("http://site.test%00/", "invalid_url"),
        ("http://" + "a" * 64 + ".test/", "invalid_url"),
        ("http://site.test/" + "a" * 9000, "invalid_url"),
    ],
)
def test_urls_refused_before_anything_else(url: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_target(url)
    assert refused.value.reason == reason
    result = fetch(url)
    assert (result.outcome, result.reason, result.http_status) == ("refused", reason, None)
    assert result.message


def test_a_url_is_read_as_a_browser_reads_it() -> None:
    target = parse_target("  HTTPS://Bücher.Example.:8443/a b/é?q=1 2#frag\n")
    assert (target.scheme, target.host, target.port) == ("https", "xn--bcher-kva.example", 8443)
    assert target.request_target == "/a%20b/%C3%A9?q=1%202"
    assert target.host_header == "xn--bcher-kva.example:8443"
    assert parse_target("http://site.test:80").host_header == "site.test"
    assert parse_target("http://site.test:").port == 80
    assert parse_target("http://under_score.test/").host == "under_score.test"
    v6 = parse_target("https://[2001:DB8::1]:443/")
    assert (v6.host, v6.host_header) == ("2001:db8::1", "[2001:db8::1]")


def test_backslashes_mean_slashes_as_in_a_browser() -> None:
    # Read by urllib alone, the host would be 10.0.0.1 and "a.test\\" a user name.
    target = parse_target("http://a.test\\@10.0.0.1/x\\y?q=\\")
    assert (target.host, target.request_target) == ("a.test", "/@10.0.0.1/x/y?q=\\")


NOT_PUBLIC = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    UNSPECIFIED,
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1",
    "2001::1",  # Teredo
    "2001:db8::1",
    "not an address",
    "",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert not is_allowed_address(address)


@pytest.mark.parametrize("address", [a for a in NOT_PUBLIC if a != "127.0.0.1"])
def test_the_loopback_setting_allows_ipv4_loopback_only(settings: Any, address: str) -> None:
    settings.MONITORING_ALLOW_LOOPBACK = True
    is_v4_loopback = address.startswith("127.")
    assert is_allowed_address(address) is is_v4_loopback
    assert is_allowed_address("127.0.0.1")


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:85e5", "64:ff9b::5db8:d70e"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed_address(address)


@pytest.mark.parametrize(
    "host",
    [
        "{ip}",
        "2130706433",
        "0x7f.1",
        "0177.0.0.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "localhost.test",  # a name: the test resolver's TABLE points it at the server
        "loopback.test",  # resolves to 127.0.0.1 and ::1
    ],
)
def test_every_spelling_of_loopback_is_refused_without_the_setting(
    hostile_server: HostileServer, settings: Any, host: str
) -> None:
    settings.MONITORING_ALLOW_LOOPBACK = False
    from flagdesk.core import testing

    testing.TABLE["localhost.test"] = ["127.0.0.1"]
    try:
        url = f"http://{host.format(ip='127.0.0.1')}:{hostile_server.port}/ok"
        result = fetch(url)
    finally:
        del testing.TABLE["localhost.test"]
    assert (result.outcome, result.reason) == ("refused", "address_not_public")
    assert (result.address, result.hops[0].address) == ("", "")
    assert hostile_server.requests == []  # no connection was made


def test_a_name_with_a_private_address_is_refused(settings: Any) -> None:
    # private.test resolves to 10.1.2.3 in the test resolver; mixed.test to a public address
    # and 127.0.0.1: one address that is not public is enough.
    for name in ("private.test", "mixed.test"):
        result = fetch(f"http://{name}/")
        assert (result.outcome, result.reason) == ("refused", "address_not_public")


def test_checked_addresses_are_canonical() -> None:
    from flagdesk.monitoring.fetcher.policy import checked_addresses

    assert checked_addresses(["93.184.215.14", "2606:4700:0::6810:85E5", "93.184.215.14"]) == [
        "93.184.215.14",
        str(ip_address("2606:4700::6810:85e5")),
    ]
    with pytest.raises(Refused):
        checked_addresses(["93.184.215.14", "10.0.0.1"])


@settings_profile(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.builds(lambda s, rest: f"{s}://{rest}", st.sampled_from(["http", "https"]), st.text()),
        st.builds(
            lambda host, port: f"http://{host}:{port}/",
            st.text(alphabet="0123456789abcdefxX.%[]:@\\", max_size=30),
            st.text(alphabet="0123456789+-", max_size=7),
        ),
    )
)
def test_any_input_is_a_target_or_a_refusal(url: str) -> None:
    try:
        target = parse_target(url)
    except Refused as e:
        assert e.reason in {
            "invalid_url",
            "scheme_not_allowed",
            "credentials_in_url",
            "port_not_allowed",
        }
        return
    assert target.scheme in ("http", "https") and 0 < target.port < 65536
    assert target.host.isascii() and target.request_target.startswith("/")
    assert all("!" <= c <= "~" for c in target.request_target)
