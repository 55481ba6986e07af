"""Who the client is behind a reverse proxy, and whose bucket a rate limit counts against."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from flagdesk.core import env
from flagdesk.core.clientaddr import client_address
from flagdesk.core.errors import RateLimited
from flagdesk.core.ratelimit import check_rate

PROXY = "10.0.0.2"  # the reverse proxy in front of flagdesk
EDGE = "192.0.2.10"  # a second, outer proxy (a CDN or load balancer) in some tests
ALICE, BOB = "198.51.100.7", "198.51.100.8"


def request(remote: str = PROXY, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert settings.TRUSTED_PROXIES == []
    assert client_address(request(ALICE, forwarded=BOB)) == ALICE
    assert client_address(request(PROXY, forwarded=ALICE)) == PROXY


def test_a_trusted_proxy_forwards_for_its_client(behind_proxy):
    assert client_address(request(PROXY, forwarded=ALICE)) == ALICE
    assert client_address(request(PROXY, forwarded=BOB)) == BOB
    # A client connecting directly cannot claim to be someone else.
    assert client_address(request(ALICE, forwarded=BOB)) == ALICE


def test_a_spoofed_left_most_value_is_never_believed(behind_proxy):
    # Alice sends "X-Forwarded-For: 203.0.113.66"; the proxy appends her real address.
    assert client_address(request(PROXY, forwarded=f"203.0.113.66, {ALICE}")) == ALICE
    assert client_address(request(PROXY, forwarded=f"{PROXY}, {ALICE}")) == ALICE


def test_multi_hop_chains_skip_every_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", EDGE]
    chain = f"203.0.113.66, {ALICE}, {EDGE}"  # client -> edge -> our proxy
    assert client_address(request(PROXY, forwarded=chain)) == ALICE
    assert client_address(request(PROXY, forwarded=f"{BOB},{EDGE}")) == BOB
    # Every hop trusted: the client is the one furthest out that a proxy vouched for.
    assert client_address(request(PROXY, forwarded=f"10.9.9.9, {EDGE}")) == "10.9.9.9"
    # An untrusted hop in the middle ends the walk: what it claims is not believed.
    assert client_address(request(PROXY, forwarded=f"{ALICE}, {BOB}, {EDGE}")) == BOB


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("", PROXY),
        (" , ", PROXY),
        ("unknown", PROXY),
        ("garbage", PROXY),
        ("300.1.2.3", PROXY),
        (f"{ALICE}, not-an-ip", PROXY),  # the spoofable left part is not reached either
        (f"{BOB}, garbage, 10.0.0.9", "10.0.0.9"),  # last hop a trusted proxy vouched for
        (f"{ALICE},,", PROXY),
        ("x" * 10_000, PROXY),
        (f"{ALICE}:4711", ALICE),  # some proxies add the client's port
        ("[2001:db8::7]:4711", "2001:db8::7"),
        ("[2001:db8::7]", "2001:db8::7"),
        ("[2001:db8::7]x", PROXY),
        (f"{ALICE}:http", PROXY),
        (f"::ffff:{ALICE}", ALICE),  # one client, one bucket, whichever way it arrived
        ("2001:DB8:0:0::7", "2001:db8::7"),
    ],
)
def test_garbage_falls_back_to_an_address_no_client_chose(behind_proxy, forwarded, expected):
    assert client_address(request(PROXY, forwarded=forwarded)) == expected


def test_an_ipv6_proxy_network(settings):
    settings.TRUSTED_PROXIES = ["fd00::/8"]
    assert client_address(request("fd00::1", forwarded="2001:db8::7")) == "2001:db8::7"
    assert client_address(request("2001:db8::9", forwarded="2001:db8::7")) == "2001:db8::9"


def _hits_until_limited(req, scope: str = "t") -> int:
    for hit in range(1, 10):
        try:
            check_rate(req, scope, "3/m")
        except RateLimited:
            return hit
    return 0


@pytest.mark.django_db
def test_spoofing_the_header_without_a_trusted_proxy_changes_no_bucket():
    for n in range(3):
        check_rate(request(ALICE, forwarded=f"203.0.113.{n}"), "t", "3/m")
    with pytest.raises(RateLimited):
        check_rate(request(ALICE, forwarded="203.0.113.99"), "t", "3/m")


@pytest.mark.django_db
def test_two_clients_behind_a_trusted_proxy_have_their_own_buckets(behind_proxy):
    assert _hits_until_limited(request(PROXY, forwarded=ALICE)) == 4
    # Alice used hers up; Bob, behind the same proxy, still has all of his.
    assert _hits_until_limited(request(PROXY, forwarded=BOB)) == 4
    # A spoofed left-most value does not give Alice a fresh bucket.
    with pytest.raises(RateLimited):
        check_rate(request(PROXY, forwarded=f"203.0.113.5, {ALICE}"), "t", "3/m")


@pytest.mark.django_db
def test_without_the_setting_everyone_behind_a_proxy_shares_one_bucket():
    for client in (ALICE, BOB, ALICE):
        check_rate(request(PROXY, forwarded=client), "t", "3/m")
    with pytest.raises(RateLimited):
        check_rate(request(PROXY, forwarded="198.51.100.99"), "t", "3/m")


def test_the_setting_refuses_what_is_not_an_address_or_network(monkeypatch):
    monkeypatch.setenv("FLAGDESK_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10 ,2001:db8::/32")
    assert env.env_networks("TRUSTED_PROXIES") == ["10.0.0.0/8", "192.0.2.10/32", "2001:db8::/32"]
    for bad in ("10.0.0.5/8", "proxy.example", "10.0.0.0/33"):
        monkeypatch.setenv("FLAGDESK_TRUSTED_PROXIES", bad)
        with pytest.raises(ImproperlyConfigured, match="FLAGDESK_TRUSTED_PROXIES"):
            env.env_networks("TRUSTED_PROXIES")
    monkeypatch.delenv("FLAGDESK_TRUSTED_PROXIES")
    assert env.env_networks("TRUSTED_PROXIES") == []
