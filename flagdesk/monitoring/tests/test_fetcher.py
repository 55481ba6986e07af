"""The safe fetcher against a real server on 127.0.0.1: what it sends, what it follows, and
that it connects only to the address it checked (one look-up per hop)."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from typing import Any

import pytest

from flagdesk.core import testing
from flagdesk.monitoring.fetcher import fetch

from .hostile_server import PAGE, HostileServer, RecordingResolver


def test_a_page_is_online_with_its_body_digest_and_hop(hostile_server: HostileServer) -> None:
    url = hostile_server.url("/ok")
    result = fetch(url)
    assert (result.outcome, result.reason, result.http_status) == ("online", "http_200", 200)
    assert result.body == PAGE
    assert result.content_sha256 == hashlib.sha256(PAGE).hexdigest()
    assert result.content_type == "text/html"
    assert (result.url, result.final_url, result.address) == (url, url, "127.0.0.1")
    assert [(h.url, h.address, h.http_status) for h in result.hops] == [(url, "127.0.0.1", 200)]
    assert not result.truncated
    assert result.started_at is not None and result.started_at.tzinfo is not None
    assert result.message
    assert result.as_line() == {
        "url": url,
        "outcome": "online",
        "reason": "http_200",
        "http_status": 200,
        "final_url": url,
    }


def test_it_sends_its_user_agent_and_no_credentials_or_cookies(
    hostile_server: HostileServer, settings: Any
) -> None:
    settings.MONITORING_USER_AGENT = "flagdesk-test/1 (+https://flagger.test/)"
    hostile_server.answer(
        "/login",
        status=302,
        headers={"Set-Cookie": "session=s3cret; Path=/", "Location": "/echo"},
    )
    first = fetch(hostile_server.url("/login"))
    second = fetch(hostile_server.url("/echo"))
    assert first.outcome == second.outcome == "online"
    received = hostile_server.requests_for("/echo")
    assert len(received) == 2
    for request in received:
        assert request.header("Cookie") is None
        assert request.header("Authorization") is None
        assert request.header("User-Agent") == settings.MONITORING_USER_AGENT
        assert request.header("Accept-Encoding") == "gzip, deflate"
        assert request.header("Accept-Language") == "en"
        assert request.header("Host") == f"site.test:{hostile_server.port}"
    # What the server saw is also what it echoed back.
    assert "Cookie" not in json.loads(second.body)


def test_a_url_with_credentials_is_refused_before_connecting(
    hostile_server: HostileServer,
) -> None:
    for userinfo in ("user:secret@", "user@", ":@"):
        url = f"http://{userinfo}site.test:{hostile_server.port}/ok"
        result = fetch(url)
        assert (result.outcome, result.reason) == ("refused", "credentials_in_url")
    assert hostile_server.requests == []


def test_a_caller_cannot_add_credentials_or_use_other_methods(
    hostile_server: HostileServer,
) -> None:
    url = hostile_server.url("/echo")
    for name in ("Cookie", "authorization", "Proxy-Authorization", "Host"):
        with pytest.raises(ValueError, match="never sends"):
            fetch(url, headers={name: "x"})
    with pytest.raises(ValueError, match="only sends GET and HEAD"):
        fetch(url, method="POST")
    assert hostile_server.requests == []
    result = fetch(url, headers={"Accept-Language": "fr"})
    assert json.loads(result.body)["Accept-Language"] == "fr"


def test_head_reads_no_body(hostile_server: HostileServer) -> None:
    result = fetch(hostile_server.url("/ok"), method="HEAD")
    assert (result.outcome, result.body, result.content_sha256) == ("online", b"", "")
    assert not result.truncated
    assert hostile_server.requests[0].method == "HEAD"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(404, "gone"), (410, "gone"), (451, "gone"), (403, "error"), (500, "error"), (204, "online")],
)
def test_statuses_map_to_outcomes(hostile_server: HostileServer, status: int, outcome: str) -> None:
    result = fetch(hostile_server.url(f"/status/{status}"))
    assert (result.outcome, result.reason, result.http_status) == (
        outcome,
        f"http_{status}",
        status,
    )


def test_redirects_are_followed_and_recorded(hostile_server: HostileServer) -> None:
    result = fetch(hostile_server.url("/redirect/3"))
    assert (result.outcome, result.http_status) == ("online", 200)
    assert [h.http_status for h in result.hops] == [302, 302, 302, 200]
    assert result.hops[0].location == hostile_server.url("/redirect/2")
    assert result.final_url == hostile_server.url("/redirect/0")
    assert result.body == PAGE


def test_at_most_five_redirects_are_followed(hostile_server: HostileServer) -> None:
    assert fetch(hostile_server.url("/redirect/5")).outcome == "online"
    result = fetch(hostile_server.url("/redirect/6"))
    assert (result.outcome, result.reason) == ("error", "too_many_redirects")
    assert len(result.hops) == 6
    assert len(hostile_server.requests_for("/redirect/0")) == 1  # only the first fetch got there


def test_relative_and_scheme_relative_locations(
    hostile_server: HostileServer, recording_resolver: RecordingResolver
) -> None:
    port = hostile_server.port
    hostile_server.answer("/deep/er/page", status=301, headers={"Location": "../../hop"})
    hostile_server.answer("/hop", status=307, headers={"Location": f"//other.test:{port}/ok"})
    result = fetch(hostile_server.url("/deep/er/page"))
    assert result.outcome == "online"
    assert [h.url for h in result.hops] == [
        f"http://site.test:{port}/deep/er/page",
        f"http://site.test:{port}/hop",
        f"http://other.test:{port}/ok",
    ]
    assert hostile_server.requests[-1].header("Host") == f"other.test:{port}"
    assert recording_resolver.calls == ["site.test", "site.test", "other.test"]  # once per hop


def test_303_turns_head_into_head_and_keeps_get(hostile_server: HostileServer) -> None:
    hostile_server.answer("/see-other", status=303, headers={"Location": "/ok"})
    assert fetch(hostile_server.url("/see-other"), method="HEAD").outcome == "online"
    assert [r.method for r in hostile_server.requests] == ["HEAD", "HEAD"]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://private.test:{port}/ok", "address_not_public"),
        ("http://loopback.test:{port}/ok", "address_not_public"),  # ::1 is never allowed
        ("http://0x0a000001:{port}/ok", "address_not_public"),
        ("http://[::1]:{port}/ok", "address_not_public"),
        ("http://[::ffff:127.0.0.1]:{port}/ok", "address_not_public"),
        ("http://169.254.169.254/latest/meta-data/", "address_not_public"),
        ("file:///etc/passwd", "scheme_not_allowed"),
        ("gopher://site.test:{port}/", "scheme_not_allowed"),
        ("http://user:pw@site.test:{port}/ok", "credentials_in_url"),
        ("http://site.test:0/ok", "port_not_allowed"),
    ],
)
def test_every_hop_is_checked_again(
    hostile_server: HostileServer, location: str, reason: str
) -> None:
    port = hostile_server.port
    target = location.format(port=port)
    result = fetch(hostile_server.url(f"/to/302?{target}"))
    assert (result.outcome, result.reason) == ("refused", reason)
    assert [h.http_status for h in result.hops] == [302, None]
    assert result.hops[-1].url == result.final_url
    assert result.hops[-1].address == ""
    assert len(hostile_server.requests) == 1  # the refused hop was never requested


def test_a_redirect_to_the_loopback_literal_is_followed_when_loopback_is_allowed(
    hostile_server: HostileServer,
) -> None:
    for spelling in ("127.0.0.1", "2130706433", "0x7f.1", "127.1"):
        result = fetch(hostile_server.url(f"/to/302?http://{spelling}:{hostile_server.port}/ok"))
        assert (result.outcome, result.address) == ("online", "127.0.0.1")
        assert hostile_server.requests[-1].header("Host") == f"127.0.0.1:{hostile_server.port}"


def test_one_lookup_per_hop_and_the_connection_goes_to_the_checked_address(
    hostile_server: HostileServer, recording_resolver: RecordingResolver
) -> None:
    # A rebinding name: checked once (127.0.0.1, allowed here), then it would answer a
    # private address. Only one look-up happens, and the connection goes where it pointed.
    recording_resolver.rebind("rebind.test", ["127.0.0.1"], ["10.0.0.1"])
    url = hostile_server.url("/ok", host="rebind.test")
    result = fetch(url)
    assert (result.outcome, result.address) == ("online", "127.0.0.1")
    assert recording_resolver.calls == ["rebind.test"]
    assert hostile_server.requests[0].header("Host") == f"rebind.test:{hostile_server.port}"


def test_a_rebinding_name_is_refused_on_the_hop_where_it_turns_private(
    hostile_server: HostileServer, recording_resolver: RecordingResolver
) -> None:
    recording_resolver.rebind("rebind.test", ["127.0.0.1"], ["10.0.0.1"])
    result = fetch(hostile_server.url("/redirect/1", host="rebind.test"))
    assert (result.outcome, result.reason) == ("refused", "address_not_public")
    assert recording_resolver.calls == ["rebind.test", "rebind.test"]
    assert [r.path for r in hostile_server.requests] == ["/redirect/1"]


def test_one_private_address_among_several_is_enough_to_refuse(
    hostile_server: HostileServer, recording_resolver: RecordingResolver
) -> None:
    recording_resolver.rebind("split.test", ["127.0.0.1", "192.168.1.20"])
    result = fetch(hostile_server.url("/ok", host="split.test"))
    assert (result.outcome, result.reason) == ("refused", "address_not_public")
    assert hostile_server.requests == []


def test_the_next_address_is_tried_when_one_refuses(hostile_server: HostileServer) -> None:
    # The whole of 127.0.0.0/8 reaches this machine, but the server listens on .1 only.
    testing.TABLE["twice.test"] = ["127.0.0.2", "127.0.0.1"]
    try:
        result = fetch(hostile_server.url("/ok", host="twice.test"))
    finally:
        del testing.TABLE["twice.test"]
    assert (result.outcome, result.address) == ("online", "127.0.0.1")


def test_unreachable_hosts(settings: Any) -> None:
    settings.MONITORING_ALLOW_LOOPBACK = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{closed_port}/")
    assert (result.outcome, result.reason) == ("unreachable", "connection_refused")
    result = fetch("http://does-not-resolve.example/")
    assert (result.outcome, result.reason) == ("unreachable", "dns_failed")


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_pages_are_decoded(hostile_server: HostileServer, coding: str) -> None:
    result = fetch(hostile_server.url(f"/encoded/{coding}"))
    assert (result.outcome, result.body) == ("online", PAGE)
    assert result.content_sha256 == hashlib.sha256(PAGE).hexdigest()
    assert result.extra == {}


def test_an_encoding_it_did_not_ask_for_is_kept_as_received(
    hostile_server: HostileServer,
) -> None:
    result = fetch(hostile_server.url("/encoded/br"))
    assert result.outcome == "online"
    assert result.extra == {"content_encoding": "br"}
    assert result.body.startswith(b"\x8b\x03")


def test_fetches_from_many_threads_at_once_do_not_mix(hostile_server: HostileServer) -> None:
    paths = ["/ok", "/status/404", "/redirect/2", "/encoded/gzip", "/status/500", "/loop"] * 3
    results: dict[int, Any] = {}

    def run(i: int, path: str) -> None:
        results[i] = fetch(hostile_server.url(path))

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    expected = {
        "/ok": "http_200",
        "/status/404": "http_404",
        "/redirect/2": "http_200",
        "/encoded/gzip": "http_200",
        "/status/500": "http_500",
        "/loop": "too_many_redirects",
    }
    assert [results[i].reason for i in range(len(paths))] == [expected[p] for p in paths]
    assert all(
        results[i].body == PAGE for i, p in enumerate(paths) if p in ("/ok", "/encoded/gzip")
    )
