"""A hostile web server on 127.0.0.1, for the safe fetcher and everything built on it (S23).

``HostileServer`` answers, by path, as the worst of the web does (``BEHAVIOURS``, in
hostile_behaviours.py): pages that never end, a gigabyte, gzip bombs, redirect loops, headers
or bodies one byte at a time, silence, garbage instead of HTTP, a connection cut mid-answer.
``server.answer(path, ...)`` sets a fixed answer for a path (status, body, headers) and wins
over the built-in ones; ``server.requests`` is everything it received, for asserting what the
fetcher sent. Outside pytest (a benchmark): ``HostileServer().start()``, ``point_at_server``
for names, ``stop()``.

Slow behaviours pause on an event that ``stop()`` sets, so the test never waits for them:
the fetcher's deadline ends the exchange, and the server's thread ends at teardown at the
latest. Fixtures (imported by this folder's conftest.py):

- ``hostile_server``: plain HTTP; ``site.test`` and ``other.test`` resolve to it through the
  test resolver, and ``MONITORING_ALLOW_LOOPBACK`` is on. ``hostile_server.url("/ok")``.
- ``tls_server``: the same over HTTPS, with a certificate chosen by the name asked for (SNI):
  ``valid.test`` (from the CA in ``MONITORING_CA_FILE``), ``wronghost.test`` (a valid
  certificate for another name), ``untrusted.test`` (from an unknown CA), ``expired.test``,
  and ``stall.test`` (the handshake never completes).
- ``recording_resolver``: the test resolver, recording each look-up; ``.rebind(host, *answers)``
  makes successive look-ups of ``host`` answer differently (DNS rebinding).

Mind the test resolver's other ``*.test`` names: they resolve to a public address, which
the fetcher would really try to reach. Use the names above, or register your own.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flagdesk.core import testing

from .hostile_behaviours import BEHAVIOURS, PAGE, bomb

__all__ = [
    "BEHAVIOURS",
    "PAGE",
    "HostileServer",
    "Received",
    "RecordingResolver",
    "bomb",
    "point_at_server",
]

HOST = "127.0.0.1"
NAMES = ("site.test", "other.test")
TLS_NAMES = ("valid.test", "wronghost.test", "untrusted.test", "expired.test", "stall.test")
SLOW_INTERVAL_SECONDS = 0.05  # between two bytes of a slow answer; the fetcher's deadline wins


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    server_name: str  # the TLS SNI name; "" over plain HTTP

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_name = ""

    def setup(self) -> None:
        if self.server.tls is not None:  # handshake in this thread, not in the accept loop
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
            self.server_name = getattr(self.request, "sni_name", "") or ""
        super().setup()

    def do_GET(self) -> None:
        self.close_connection = True
        self.server.owner.dispatch(self)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: HostileServer, tls: ssl.SSLContext | None) -> None:
        self.owner, self.tls = owner, tls
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client giving up mid-answer is the point of most behaviours


class HostileServer:
    def __init__(self, tls: Callable[[threading.Event], ssl.SSLContext] | None = None) -> None:
        """``tls``: makes the server context, given the event that ``stop()`` sets."""
        self.scheme = "https" if tls is not None else "http"
        self.requests: list[Received] = []
        self.stopping = threading.Event()
        self._answers: dict[str, Answer] = {}
        self._lock = threading.Lock()
        self._server = _Server(self, tls(self.stopping) if tls is not None else None)
        self.port = int(self._server.server_address[1])
        # A short poll interval: stop() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/ok", host: str = "") -> str:
        host = host or (NAMES[0] if self.scheme == "http" else TLS_NAMES[0])
        return f"{self.scheme}://{host}:{self.port}{path}"

    def answer(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``path`` (without query) with this, instead of any built-in behaviour."""
        with self._lock:
            self._answers[path] = Answer(status, body, tuple((headers or {}).items()))

    def requests_for(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def dispatch(self, handler: _Handler) -> None:
        received = Received(
            handler.command, handler.path, tuple(handler.headers.items()), handler.server_name
        )
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(received)
            fixed = self._answers.get(path)
        if fixed is not None:
            return self.send(handler, fixed.status, fixed.body, fixed.headers)
        name, _, rest = path.lstrip("/").partition("/")
        behaviour = BEHAVIOURS.get(name)
        if behaviour is None:
            return self.send(handler, 404, b"not found")
        try:
            behaviour(self, handler, rest)
        except OSError:
            pass  # the fetcher hung up: its limits worked

    def send(
        self,
        handler: _Handler,
        status: int,
        body: bytes,
        headers: tuple[tuple[str, str], ...] = (),
        *,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        lines = [f"HTTP/1.1 {status} Test\r\n", f"Content-Length: {len(body)}\r\n"]
        names = {k.lower() for k, _ in headers}
        if "content-type" not in names:
            lines.append(f"Content-Type: {content_type}\r\n")
        lines += [f"{k}: {v}\r\n" for k, v in headers]
        head = "".join([*lines, "Connection: close\r\n\r\n"]).encode("latin-1")
        handler.wfile.write(head if handler.command == "HEAD" else head + body)

    def trickle(self, handler: _Handler, data: bytes, *, forever: bytes = b"") -> None:
        """``data``, then ``forever`` repeated, one byte per interval until stopped."""
        position = 0
        while not self.stopping.is_set():
            if position < len(data):
                byte = data[position : position + 1]
            elif forever:
                byte = forever[(position - len(data)) % len(forever) :][:1]
            else:
                return
            handler.wfile.write(byte)
            position += 1
            self.stopping.wait(SLOW_INTERVAL_SECONDS)

    def stream(self, handler: _Handler, head: bytes, piece: bytes, *, chunked: bool) -> None:
        handler.wfile.write(head)
        framed = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
        while not self.stopping.is_set():
            handler.wfile.write(framed)


def point_at_server(names: tuple[str, ...]) -> Callable[[], None]:
    """Point ``names`` at 127.0.0.1 in the test resolver; returns the undo."""
    previous = {name: testing.TABLE.get(name) for name in names}
    testing.TABLE.update({name: [HOST] for name in names})

    def undo() -> None:
        for name, addresses in previous.items():
            if addresses is None:
                testing.TABLE.pop(name, None)
            else:
                testing.TABLE[name] = addresses

    return undo


@pytest.fixture
def hostile_server(settings: Any) -> Iterator[HostileServer]:
    settings.MONITORING_ALLOW_LOOPBACK = True
    server = HostileServer().start()
    undo = point_at_server(NAMES)
    try:
        yield server
    finally:
        undo()
        server.stop()


@dataclass
class TlsAuthority:
    """Throwaway certificates from trustme: ``ca_file`` is the trusted CA (PEM); ``leaves``
    the certificate served for each name of ``TLS_NAMES`` (``stall.test`` shares valid's)."""

    ca_file: Path
    leaves: dict[str, Any] = field(default_factory=dict)

    def server_context(self, stopping: threading.Event) -> ssl.SSLContext:
        """A server context choosing the certificate by the name the client asks for."""
        contexts = {name: _leaf_context(leaf) for name, leaf in self.leaves.items()}

        def choose(sock: Any, name: str | None, _: ssl.SSLContext) -> None:
            sock.sni_name = name or ""
            if name == "stall.test":
                stopping.wait()  # the handshake never completes
            elif name in contexts:
                sock.context = contexts[name]

        default = _leaf_context(self.leaves["valid.test"])
        default.sni_callback = choose
        return default


def _leaf_context(leaf: Any) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    return context


@pytest.fixture(scope="session")
def tls_authority(tmp_path_factory: pytest.TempPathFactory) -> TlsAuthority:
    import trustme

    trusted, unknown = trustme.CA(), trustme.CA()
    now = dt.datetime.now(dt.UTC)
    expired = trusted.issue_cert(
        "expired.test", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)
    )
    leaves = {
        "valid.test": trusted.issue_cert("valid.test", "stall.test"),
        "wronghost.test": trusted.issue_cert("someone-else.test"),
        "untrusted.test": unknown.issue_cert("untrusted.test"),
        "expired.test": expired,
    }
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    trusted.cert_pem.write_to_path(str(ca_file))
    return TlsAuthority(ca_file, leaves)


@pytest.fixture
def tls_server(settings: Any, tls_authority: TlsAuthority) -> Iterator[HostileServer]:
    settings.MONITORING_ALLOW_LOOPBACK = True
    settings.MONITORING_CA_FILE = str(tls_authority.ca_file)
    server = HostileServer(tls_authority.server_context).start()
    undo = point_at_server(TLS_NAMES)
    try:
        yield server
    finally:
        undo()
        server.stop()


@dataclass
class RecordingResolver:
    """What ``recording_resolver`` (the fixture) returns."""

    calls: list[str] = field(default_factory=list)
    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebind(self, host: str, *answers: list[str]) -> None:
        """Successive look-ups of ``host`` get these answers; the last one repeats."""
        with self.lock:
            self.answers[host] = [list(a) for a in answers]

    def resolve(self, host: str) -> list[str]:
        with self.lock:
            self.calls.append(host)
            queued = self.answers.get(host)
            if queued:
                return queued.pop(0) if len(queued) > 1 else list(queued[0])
        return testing.test_resolver(host)


_recording: RecordingResolver | None = None


def recording_resolve(host: str) -> list[str]:
    """``settings.URL_RESOLVER`` while the ``recording_resolver`` fixture is active."""
    if _recording is None:
        return testing.test_resolver(host)
    return _recording.resolve(host)


@pytest.fixture
def recording_resolver(settings: Any) -> Iterator[RecordingResolver]:
    global _recording
    _recording = RecordingResolver()
    settings.URL_RESOLVER = f"{__name__}.recording_resolve"
    try:
        yield _recording
    finally:
        _recording = None
