"""Every hostile behaviour of the test server ends in a recorded outcome with a reason, within
the fetch deadline: never a hung worker, never unbounded memory.

Deadlines are made short here so the slow cases end fast; the upper bounds asserted are
generous (a busy machine must not fail them), and only prove that the fetch did end.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from flagdesk.monitoring.fetcher import Fetched, fetch

from .hostile_server import PAGE, HostileServer, bomb

DEADLINE_SECONDS = 1.5
HUNG_AFTER_SECONDS = 30.0  # far above any deadline here: only a hang gets this far


def fetch_or_fail(url: str, **kwargs: Any) -> Fetched:
    """``fetch(url)`` in a thread of its own, as the worker runs it; fails the test instead of
    hanging it if the fetch never returns."""
    results: list[Fetched] = []
    thread = threading.Thread(target=lambda: results.append(fetch(url, **kwargs)), daemon=True)
    thread.start()
    thread.join(HUNG_AFTER_SECONDS)
    assert results, f"the fetch of {url} was still running after {HUNG_AFTER_SECONDS}s"
    return results[0]


@pytest.fixture
def short_deadline(settings: Any) -> float:
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = DEADLINE_SECONDS
    settings.MONITORING_CONNECT_TIMEOUT_SECONDS = 1.0
    return DEADLINE_SECONDS


@pytest.mark.parametrize(
    "path",
    [
        "/slow-headers",  # one header growing by a byte per 50 ms: no read ever times out
        "/slow-lines",  # header lines without end, a byte at a time
        "/silent",  # the request is read, and nothing ever comes back
    ],
)
def test_slow_servers_end_at_the_deadline(
    hostile_server: HostileServer, short_deadline: float, path: str
) -> None:
    result = fetch_or_fail(hostile_server.url(path))
    assert (result.outcome, result.reason) == ("error", "timeout")
    assert result.http_status is None
    assert short_deadline <= result.elapsed_seconds < short_deadline + 10
    assert "1.5 seconds" in result.message


def test_a_body_sent_a_byte_at_a_time_ends_at_the_deadline(
    hostile_server: HostileServer, short_deadline: float
) -> None:
    result = fetch_or_fail(hostile_server.url("/slow-body"))
    assert (result.outcome, result.reason, result.http_status) == ("error", "timeout", 200)
    assert result.truncated
    assert result.body and (b"<p>slow</p>" * 1000).startswith(result.body)  # what came is kept


def test_the_deadline_covers_the_whole_redirect_chain(
    hostile_server: HostileServer, short_deadline: float
) -> None:
    result = fetch_or_fail(hostile_server.url("/to/302?/silent"))
    assert (result.outcome, result.reason) == ("error", "timeout")
    assert [h.http_status for h in result.hops] == [302, None]


def test_a_page_that_never_ends_is_cut_at_the_size_limit(
    hostile_server: HostileServer, settings: Any
) -> None:
    settings.MONITORING_MAX_BYTES = 256 * 1024
    result = fetch_or_fail(hostile_server.url("/forever"))
    assert (result.outcome, result.reason, result.http_status) == ("online", "truncated", 200)
    assert result.truncated
    assert 0 < len(result.body) <= 256 * 1024


def test_a_gigabyte_stops_at_the_callers_limit(hostile_server: HostileServer) -> None:
    result = fetch_or_fail(hostile_server.url("/huge"), max_bytes=100_000)
    assert (result.outcome, result.reason) == ("online", "truncated")
    assert len(result.body) == 100_000
    assert "100000 bytes" in result.message


def test_a_body_that_fits_the_limit_exactly_is_not_truncated(
    hostile_server: HostileServer,
) -> None:
    result = fetch(hostile_server.url("/ok"), max_bytes=len(PAGE))
    assert (result.reason, result.truncated, result.body) == ("http_200", False, PAGE)


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_decompression_bomb_is_stopped_at_the_decoded_limit(
    hostile_server: HostileServer, settings: Any, coding: str
) -> None:
    settings.MONITORING_MAX_DECODED_BYTES = 1024 * 1024
    result = fetch_or_fail(hostile_server.url(f"/bomb/{coding}"))
    assert (result.outcome, result.reason, result.http_status) == (
        "error",
        "decompression_bomb",
        200,
    )
    assert len(result.body) <= 1024 * 1024
    assert result.truncated


def test_a_bomb_behind_a_404_leaves_the_page_gone(
    hostile_server: HostileServer, settings: Any
) -> None:
    settings.MONITORING_MAX_DECODED_BYTES = 1024 * 1024
    hostile_server.answer(
        "/gone-bomb", status=404, body=bomb("gzip"), headers={"Content-Encoding": "gzip"}
    )
    result = fetch_or_fail(hostile_server.url("/gone-bomb"))
    assert (result.outcome, result.reason) == ("gone", "http_404")
    assert result.extra == {"body_problem": "decompression_bomb"}


def test_corrupt_compressed_data_is_an_error(hostile_server: HostileServer) -> None:
    hostile_server.answer(
        "/corrupt", body=b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"}
    )
    result = fetch_or_fail(hostile_server.url("/corrupt"))
    assert (result.outcome, result.reason) == ("error", "bad_encoding")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/cut", "incomplete_response"),  # 100000 bytes promised, a few sent
        ("/close", "incomplete_response"),  # closed without a byte of answer
        ("/garbage", "protocol_error"),  # not HTTP
        ("/many-headers", "protocol_error"),  # 500 header lines
    ],
)
def test_broken_answers_are_errors(hostile_server: HostileServer, path: str, reason: str) -> None:
    result = fetch_or_fail(hostile_server.url(path))
    assert (result.outcome, result.reason) == ("error", reason)


def test_an_infinite_redirect_loop_ends_after_five_redirects(
    hostile_server: HostileServer,
) -> None:
    result = fetch_or_fail(hostile_server.url("/loop/"))
    assert (result.outcome, result.reason) == ("error", "too_many_redirects")
    assert len(hostile_server.requests) == 6


def test_a_redirect_to_a_private_address_is_refused(hostile_server: HostileServer) -> None:
    port = hostile_server.port
    result = fetch_or_fail(hostile_server.url(f"/to/301?http://private.test:{port}/admin"))
    assert (result.outcome, result.reason) == ("refused", "address_not_public")
    assert result.final_url == f"http://private.test:{port}/admin"
    assert [r.path for r in hostile_server.requests] == [
        f"/to/301?http://private.test:{port}/admin"
    ]


def test_a_valid_certificate_from_the_configured_ca_is_accepted(
    tls_server: HostileServer,
) -> None:
    result = fetch_or_fail(tls_server.url("/ok"))
    assert (result.outcome, result.body) == ("online", PAGE)
    assert tls_server.requests[0].server_name == "valid.test"  # SNI names the host


@pytest.mark.parametrize("host", ["wronghost.test", "untrusted.test", "expired.test"])
def test_invalid_certificates_are_errors(tls_server: HostileServer, host: str) -> None:
    result = fetch_or_fail(tls_server.url("/ok", host=host))
    assert (result.outcome, result.reason) == ("error", "tls_invalid")
    assert tls_server.requests == []


def test_without_the_ca_file_the_test_ca_is_not_trusted(
    tls_server: HostileServer, settings: Any
) -> None:
    settings.MONITORING_CA_FILE = ""
    result = fetch_or_fail(tls_server.url("/ok"))
    assert (result.outcome, result.reason) == ("error", "tls_invalid")


def test_a_handshake_that_never_completes_ends_at_the_deadline(
    tls_server: HostileServer, short_deadline: float
) -> None:
    result = fetch_or_fail(tls_server.url("/ok", host="stall.test"))
    assert (result.outcome, result.reason) == ("error", "timeout")
    assert result.elapsed_seconds < short_deadline + 10


def test_https_to_a_server_answering_in_plain_http_is_a_tls_error(
    settings: Any, short_deadline: float
) -> None:
    settings.MONITORING_ALLOW_LOOPBACK = True
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer_in_plain_http() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        server = threading.Thread(target=answer_in_plain_http, daemon=True)
        server.start()
        result = fetch_or_fail(f"https://127.0.0.1:{port}/ok")
        server.join(HUNG_AFTER_SECONDS)
    assert (result.outcome, result.reason) == ("error", "tls_error")


def test_hostile_fetches_at_once_all_end(
    hostile_server: HostileServer, short_deadline: float, settings: Any
) -> None:
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 3.0  # room for the fast ones on a busy machine
    settings.MONITORING_MAX_BYTES = 64 * 1024
    settings.MONITORING_MAX_DECODED_BYTES = 1024 * 1024
    bomb("gzip")  # compressed once, now, rather than within a fetch's deadline
    paths = ["/slow-headers", "/slow-body", "/silent", "/forever", "/huge", "/bomb/gzip", "/loop/"]
    results: dict[str, Fetched] = {}
    threads = [
        threading.Thread(target=lambda p=p: results.update({p: fetch(hostile_server.url(p))}))
        for p in paths
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HUNG_AFTER_SECONDS)
    assert {p: results[p].reason for p in paths} == {
        "/slow-headers": "timeout",
        "/slow-body": "timeout",
        "/silent": "timeout",
        "/forever": "truncated",
        "/huge": "truncated",
        "/bomb/gzip": "decompression_bomb",
        "/loop/": "too_many_redirects",
    }


def test_a_server_that_never_accepts_is_unreachable(settings: Any, short_deadline: float) -> None:
    settings.MONITORING_ALLOW_LOOPBACK = True
    settings.MONITORING_CONNECT_TIMEOUT_SECONDS = 0.5
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued: list[socket.socket] = []
        try:
            # Fill the accept queue until the kernel drops further connection attempts.
            while len(queued) < 20:
                probe = socket.socket()
                probe.settimeout(0.3)
                queued.append(probe)
                try:
                    probe.connect(("127.0.0.1", port))
                except TimeoutError:
                    break
            result = fetch_or_fail(f"http://127.0.0.1:{port}/")
        finally:
            for probe in queued:
                probe.close()
    assert (result.outcome, result.reason) == ("unreachable", "connect_timeout")
    assert result.hops[0].address == ""
