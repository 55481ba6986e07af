"""A platform's notice API on 127.0.0.1, real enough for the API channel to talk to (S23).

It records every request and answers each from a script, so a test can make it accept, refuse,
stall, hang up or talk nonsense, one request at a time::

    with FakePlatform() as platform:
        platform.script(("status", 429, {"Retry-After": "2"}), "accept")
        ...  # the first POST gets a 429, the second a 201 {"reference": "P-1"}
        [first, second] = platform.wait_for(2)

Behaviours (each request consumes the next one; an empty script accepts):

- ``"accept"``: 201 ``{"reference": "P-<n>"}``, n counting accepted requests from 1.
- ``"accept_twice"``: two ``"accept"``. The fake never deduplicates: a repeated idempotency
  key is accepted again with a new reference and shows up twice in ``accepted_keys()``.
- ``("slow", seconds)``: waits up to ``seconds`` (cut short by ``stop()``), then accepts; for
  client timeouts, and for "the platform took it but the client never heard".
- ``("status", code)``, ``("status", code, headers)``, ``("status", code, body)``,
  ``("status", code, headers, body)``: answers ``code``; a lone third item that is a mapping is
  the headers. ``body`` is str or bytes (text/plain) or anything else JSON can carry (a dict
  body needs the four-item form); without one the body is ``{"error": "<phrase>"}``.
- ``"garbage"``: writes bytes that are not HTTP, then closes.
- ``"garbage_json"``: 200 with the body ``not json{``.
- ``"close"``: closes the connection without answering.

With ``expect_bearer`` or ``hmac_secret`` a request with a wrong ``Authorization`` or
``X-Flagdesk-Signature`` gets 401 before (and without consuming) a scripted behaviour. A POST
to a path other than ``path`` gets 404.

``python -m tests.fakes.fake_platform --port P`` runs one until SIGINT or SIGTERM, printing its
URL on the first line of stdout (for benchmarks).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import signal
import socketserver
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Behaviour = str | tuple[Any, ...]

MAX_REQUEST_BYTES = 16 * 1024 * 1024
GARBAGE = b"\x00\x17\xfe this is not HTTP at all\r\n\r\n"
GARBAGE_JSON = b"not json{"


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and what the fake decided to answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any  # None when the body is not JSON
    idempotency_key: str
    received_at: float  # time.time()
    behaviour: str  # "accept", "slow", "status 429", "unauthorized", "not_found", ...

    def header(self, name: str) -> str | None:
        """A header by name, whatever case the client wrote it in."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], fake: FakePlatform) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up this machine's FQDN, which can stall on a host
        # without working reverse DNS; the fake never needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is a scenario under test, not a fake's failure.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # tests and benchmarks read the records, not stderr

    def do_POST(self) -> None:
        fake = self.server.fake
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self._answer(400, {"error": "bad Content-Length"})
            return
        body = self.rfile.read(length)
        headers = dict(self.headers.items())
        if self.path.split("?", 1)[0] != fake.path:
            fake._record(self, headers, body, "not_found")
            self._answer(404, {"error": "not found"})
            return
        if not fake._is_authorised(headers, body):
            fake._record(self, headers, body, "unauthorized")
            self._answer(401, {"error": "unauthorized"})
            return
        behaviour = fake._next_behaviour()
        name = behaviour if isinstance(behaviour, str) else str(behaviour[0])
        if name == "status":
            name = f"status {behaviour[1]}"
        record = fake._record(self, headers, body, name)
        if behaviour == "accept":
            self._accept(record)
        elif behaviour == "garbage":
            self.wfile.write(GARBAGE)
            self.close_connection = True
        elif behaviour == "garbage_json":
            # Claims JSON and is not: what a platform's broken error page looks like.
            self._answer(200, GARBAGE_JSON, content_type="application/json")
        elif behaviour == "close":
            self.close_connection = True
        elif isinstance(behaviour, tuple) and behaviour[0] == "slow":
            fake._stopping.wait(float(behaviour[1]))
            self._accept(record)
        elif isinstance(behaviour, tuple) and behaviour[0] == "status":
            self._status(behaviour)
        else:  # script() validated it; this would be a bug in the fake itself
            raise AssertionError(f"unknown behaviour {behaviour!r}")

    def _accept(self, record: Received) -> None:
        reference = self.server.fake._accept(record.idempotency_key)
        self._answer(201, {"reference": reference})

    def _status(self, behaviour: tuple[Any, ...]) -> None:
        code = int(behaviour[1])
        headers: Mapping[str, str] = {}
        body: Any = None
        if len(behaviour) == 4:
            headers, body = behaviour[2], behaviour[3]
        elif len(behaviour) == 3 and isinstance(behaviour[2], Mapping):
            headers = behaviour[2]
        elif len(behaviour) == 3:
            body = behaviour[2]
        if body is None:
            body = {"error": _phrase(code)}
        self._answer(code, body, headers)

    def _answer(
        self,
        code: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        *,
        content_type: str | None = None,
    ) -> None:
        if isinstance(body, bytes | str):
            raw = body.encode("utf-8") if isinstance(body, str) else body
            content_type = content_type or "text/plain"
        else:
            raw = json.dumps(body).encode("utf-8")
            content_type = content_type or "application/json"
        self.send_response(code, _phrase(code))
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)
        self.close_connection = True


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def _check_behaviour(behaviour: Behaviour) -> None:
    if behaviour in ("accept", "accept_twice", "garbage", "garbage_json", "close"):
        return
    if isinstance(behaviour, tuple) and len(behaviour) == 2 and behaviour[0] == "slow":
        return
    if (
        isinstance(behaviour, tuple)
        and 2 <= len(behaviour) <= 4
        and behaviour[0] == "status"
        and isinstance(behaviour[1], int)
    ):
        return
    raise ValueError(f"unknown fake platform behaviour: {behaviour!r}")


class FakePlatform:
    """A threaded HTTP server on ``host`` (port 0: any free one); see the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/notices",
        expect_bearer: str | None = None,
        hmac_secret: str | None = None,
        hmac_tolerance_seconds: float = 300.0,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.expect_bearer = expect_bearer
        self.hmac_secret = hmac_secret
        self.hmac_tolerance_seconds = hmac_tolerance_seconds
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._accepted: Counter[str] = Counter()
        self._accepted_total = 0
        self._script: deque[Behaviour] = deque()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> FakePlatform:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = int(self._server.server_address[1])
        # serve_forever() notices shutdown() only between polls; the default half second
        # would add that much to every test using a fake.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-platform",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; a ``("slow", ...)`` request still waiting is released at once."""
        self._stopping.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> FakePlatform:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    # Scripting and inspection

    def script(self, *behaviours: Behaviour) -> None:
        """Queue answers for the next requests, after any still queued."""
        for behaviour in behaviours:
            _check_behaviour(behaviour)
        with self._lock:
            for behaviour in behaviours:
                if behaviour == "accept_twice":
                    self._script.extend(("accept", "accept"))
                else:
                    self._script.append(behaviour)

    @property
    def received(self) -> list[Received]:
        """Every request so far, oldest first (a copy: safe to keep while more arrive)."""
        with self._lock:
            return list(self._received)

    def accepted_keys(self) -> Counter[str]:
        """How often each idempotency key was accepted (a repeat counts again)."""
        with self._lock:
            return Counter(self._accepted)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until ``count`` requests arrived; woken by each arrival, so ``timeout`` is only
        a safety net for a request that never comes."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"expected {count} requests within {timeout}s, got {len(self._received)}"
                )
            return list(self._received)

    # Called from the handler threads

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else "accept"

    def _record(
        self, handler: BaseHTTPRequestHandler, headers: dict[str, str], body: bytes, name: str
    ) -> Received:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        key = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), "")
        record = Received(
            method=handler.command,
            path=handler.path,
            headers=headers,
            body=body,
            json=parsed,
            idempotency_key=key,
            received_at=time.time(),
            behaviour=name,
        )
        with self._lock:
            self._received.append(record)
            self._lock.notify_all()
        return record

    def _accept(self, key: str) -> str:
        with self._lock:
            self._accepted[key] += 1
            self._accepted_total += 1
            return f"P-{self._accepted_total}"

    def _is_authorised(self, headers: dict[str, str], body: bytes) -> bool:
        lower = {k.lower(): v for k, v in headers.items()}
        if self.expect_bearer is not None:
            given = lower.get("authorization", "").encode("utf-8")
            expected = f"Bearer {self.expect_bearer}".encode()
            if not hmac.compare_digest(given, expected):
                return False
        if self.hmac_secret is not None:
            timestamp = lower.get("x-flagdesk-timestamp", "")
            if not timestamp.isascii() or not timestamp.isdigit():
                return False
            if abs(time.time() - int(timestamp)) > self.hmac_tolerance_seconds:
                return False
            digest = hmac.new(
                self.hmac_secret.encode("utf-8"),
                f"{timestamp}.".encode("ascii") + body,
                hashlib.sha256,
            ).hexdigest()
            given = lower.get("x-flagdesk-signature", "").encode("utf-8")
            if not hmac.compare_digest(given, f"sha256={digest}".encode("ascii")):
                return False
        return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a fake platform notice API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--path", default="/notices")
    parser.add_argument("--bearer", default=None, help="answer 401 unless this token is sent")
    parser.add_argument("--hmac-secret", default=None, help="answer 401 unless signed with it")
    args = parser.parse_args(argv)
    # Block the signals before the server threads exist, so they inherit the mask and only
    # sigwait() below ever sees SIGINT or SIGTERM.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    fake = FakePlatform(
        host=args.host,
        port=args.port,
        path=args.path,
        expect_bearer=args.bearer,
        hmac_secret=args.hmac_secret,
    )
    fake.start()
    sys.stdout.write(fake.url + "\n")
    sys.stdout.flush()
    try:
        signal.sigwait(stop_signals)
    finally:
        fake.stop()
        total = sum(fake.accepted_keys().values())
        sys.stderr.write(f"received {len(fake.received)} accepted {total}\n")


if __name__ == "__main__":
    main()
