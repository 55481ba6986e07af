"""One request to one already-checked address: connect, TLS, send, status line, headers, body.

``http.client`` does the HTTP (status line, header limits of 100 lines of 64 KiB, chunked
bodies), but never the connecting: it would resolve the host name again, and a second answer
is exactly what DNS rebinding relies on. We connect the socket to the checked address
ourselves and hand it over; the host name only appears in ``Host`` and in TLS (SNI and the
certificate check). Every failure becomes ``Failure(outcome, reason)``.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .decode import BadEncoding, DecodedTooLarge, Decoder
from .policy import Target
from .result import Outcome
from .watchdog import Guard

READ_CHUNK_BYTES = 64 * 1024
# Whatever a hostile peer can make the standard library raise while we talk to it.
PEER_ERRORS = (http.client.HTTPException, OSError, ValueError)


class Failure(Exception):
    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome: Outcome = outcome
        self.reason = reason


@dataclass(frozen=True)
class Body:
    data: bytes
    is_truncated: bool
    problem: str  # "" when the body was read as far as the limits allow


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def connect(
    target: Target, addresses: list[str], *, timeout: float, guard: Guard
) -> tuple[socket.socket, str]:
    """A TCP connection to the first of ``addresses`` that accepts one. No name is looked up:
    each address is a numeric one that the caller has checked."""
    reason = "connect_failed"
    if settings.MONITORING_CONNECT_LOOPBACK_ONLY:
        # The test suite's guard: whatever a test's resolver answers, no connection leaves
        # this machine (a *.test name missing from the table resolves to a public address).
        if not all(_is_loopback(a) for a in addresses):
            raise Failure("refused", "not_loopback_in_tests")
    for address in addresses:
        remaining = guard.remaining()
        if remaining <= 0:
            raise Failure("unreachable", "connect_timeout")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # no IPv6 on this machine
            reason = "connect_failed"
            continue
        sock.settimeout(min(timeout, remaining))
        try:
            sock.connect((address, target.port))
        except ConnectionRefusedError:
            reason = "connection_refused"
        except TimeoutError:
            reason = "connect_timeout"
        except OSError:
            reason = "connect_failed"  # no route, network down
        else:
            return sock, address
        sock.close()
    raise Failure("unreachable", reason)


_contexts: dict[tuple[str, int], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """The system's trust store plus ``MONITORING_CA_FILE``; one context per file version
    (contexts are thread-safe, and loading the system store costs milliseconds)."""
    ca_file = str(settings.MONITORING_CA_FILE or "")
    try:
        key = (ca_file, os.stat(ca_file).st_mtime_ns if ca_file else 0)
    except OSError as e:
        raise ImproperlyConfigured(f"FLAGDESK_MONITORING_CA_FILE cannot be read: {e}") from e
    with _contexts_lock:
        if key not in _contexts:
            context = ssl.create_default_context()
            if ca_file:
                context.load_verify_locations(cafile=ca_file)
            context.set_alpn_protocols(["http/1.1"])
            _contexts[key] = context
        return _contexts[key]


def secure(sock: socket.socket, target: Target, guard: Guard) -> ssl.SSLSocket:
    """TLS over ``sock``, verified for the URL's host name (or IP address)."""
    try:
        tls = tls_context().wrap_socket(
            sock, server_hostname=target.host, do_handshake_on_connect=False
        )
    except (ssl.SSLError, ValueError):
        raise Failure("error", "tls_error") from None
    guard.watch(tls)  # the plain socket object is detached from its connection now
    try:
        tls.settimeout(max(guard.remaining(), 0.001))
        tls.do_handshake()
    except ssl.SSLCertVerificationError:
        tls.close()
        raise Failure("error", "tls_invalid") from None
    except PEER_ERRORS as e:
        tls.close()
        raise Failure("error", _after_connect(e, guard, "tls_error")) from None
    return tls


def send(
    sock: socket.socket, target: Target, method: str, headers: list[tuple[str, str]], guard: Guard
) -> http.client.HTTPResponse:
    """Send the request on ``sock`` and read the status line and headers."""
    connection = http.client.HTTPConnection(target.host, target.port)
    connection.sock = sock  # already connected: http.client must not connect on its own
    try:
        sock.settimeout(max(guard.remaining(), 0.001))
        connection.putrequest(
            method, target.request_target, skip_host=True, skip_accept_encoding=True
        )
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
    except http.client.RemoteDisconnected:
        raise Failure("error", _after_connect(None, guard, "incomplete_response")) from None
    except http.client.HTTPException as e:  # bad status line, a line or too many headers
        raise Failure("error", _after_connect(e, guard, "protocol_error")) from None
    except PEER_ERRORS as e:
        raise Failure("error", _after_connect(e, guard, "incomplete_response")) from None
    if guard.fired:
        # A socket shut down by the deadline reads as the end of the headers: these are cut.
        response.close()
        raise Failure("error", "timeout")
    return response


def read_body(
    response: http.client.HTTPResponse, decoder: Decoder, *, max_bytes: int, guard: Guard
) -> Body:
    """At most ``max_bytes`` of the body as received, decoded by ``decoder``."""
    pieces: list[bytes] = []
    received = 0
    problem = ""
    is_complete = False
    try:
        while received < max_bytes:
            chunk = response.read1(min(READ_CHUNK_BYTES, max_bytes - received))
            if not chunk:
                if response.length:  # the connection ended before Content-Length was met
                    problem = "incomplete_response"
                else:
                    pieces.append(decoder.finish())
                    is_complete = True
                break
            received += len(chunk)
            pieces.append(decoder.feed(chunk))
        else:
            is_complete = response.length == 0  # a declared length that the limit just fits
    except DecodedTooLarge:
        problem = "decompression_bomb"
    except BadEncoding:
        problem = "bad_encoding"
    except PEER_ERRORS as e:
        problem = _after_connect(e, guard, "incomplete_response")
    if guard.fired:
        # A socket shut down by the deadline reads as a clean end of a body without length.
        problem = "timeout"
    return Body(
        data=b"".join(pieces), is_truncated=bool(problem) or not is_complete, problem=problem
    )


def _after_connect(error: BaseException | None, guard: Guard, otherwise: str) -> str:
    """The reason for a failure once connected: the deadline if it has passed."""
    if guard.fired or isinstance(error, TimeoutError) or guard.remaining() <= 0:
        return "timeout"
    return otherwise
