"""What each path of the hostile test server plays (``hostile_server.HostileServer``).

A behaviour gets the server, the request handler (``h.wfile`` is the raw connection) and the
rest of the path after its name: ``/status/410`` calls ``_status`` with ``"410"``.
"""

from __future__ import annotations

import functools
import gzip
import json
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hostile_server import HostileServer, _Handler

PAGE = b"<!doctype html><title>Test page</title><p>Fictional content for the fetcher tests.</p>"
BOMB_DECODED_BYTES = 64 * 1024 * 1024
GIGABYTE = 1024**3


@functools.cache
def bomb(coding: str) -> bytes:
    """64 MiB of zeros, compressed to about 64 KiB."""
    zeros = bytes(BOMB_DECODED_BYTES)
    return gzip.compress(zeros, 9) if coding == "gzip" else zlib.compress(zeros, 9)


def _ok(server: HostileServer, h: _Handler, rest: str) -> None:
    server.send(h, 200, PAGE)


def _status(server: HostileServer, h: _Handler, rest: str) -> None:
    server.send(h, int(rest or "200"), b"status page")


def _redirect(server: HostileServer, h: _Handler, rest: str) -> None:
    left = int(rest or "0")
    if left <= 0:
        return server.send(h, 200, PAGE)
    server.send(h, 302, b"", (("Location", f"/redirect/{left - 1}"),))


def _loop(server: HostileServer, h: _Handler, rest: str) -> None:
    server.send(h, 302, b"", (("Location", "/loop/"),))


def _to(server: HostileServer, h: _Handler, rest: str) -> None:
    """``/to/<status>?<location>``: a redirect to any URL, given raw after the ``?``."""
    location = h.path.split("?", 1)[1] if "?" in h.path else "/ok"
    server.send(h, int(rest or "302"), b"", (("Location", location),))


def _echo(server: HostileServer, h: _Handler, rest: str) -> None:
    body = json.dumps(dict(h.headers.items())).encode()
    server.send(h, 200, body, content_type="application/json")


def _encoded(server: HostileServer, h: _Handler, rest: str) -> None:
    codings: dict[str, Callable[[], bytes]] = {
        "gzip": lambda: gzip.compress(PAGE),
        "deflate": lambda: zlib.compress(PAGE),
        "raw-deflate": lambda: zlib.compress(PAGE)[2:-4],
        "br": lambda: b"\x8b\x03\x80fictional brotli\x03",
    }
    body = codings[rest or "gzip"]()
    coding = "deflate" if rest == "raw-deflate" else rest or "gzip"
    server.send(h, 200, body, (("Content-Encoding", coding),))


def _bomb(server: HostileServer, h: _Handler, rest: str) -> None:
    coding = rest or "gzip"
    server.send(h, 200, bomb(coding), (("Content-Encoding", coding),))


def _forever(server: HostileServer, h: _Handler, rest: str) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    server.stream(h, head, b"<p>more</p>" * 1000, chunked=True)


def _huge(server: HostileServer, h: _Handler, rest: str) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {GIGABYTE}\r\n\r\n"
    server.stream(h, head.encode(), bytes(64 * 1024), chunked=False)


def _slow_headers(server: HostileServer, h: _Handler, rest: str) -> None:
    server.trickle(h, b"HTTP/1.1 200 OK\r\nX-Slow: ", forever=b"a")


def _slow_lines(server: HostileServer, h: _Handler, rest: str) -> None:
    server.trickle(h, b"HTTP/1.1 200 OK\r\n", forever=b"X-A: b\r\n")


def _slow_body(server: HostileServer, h: _Handler, rest: str) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    server.trickle(h, b"", forever=b"<p>slow</p>")


def _silent(server: HostileServer, h: _Handler, rest: str) -> None:
    server.stopping.wait()


def _cut(server: HostileServer, h: _Handler, rest: str) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + PAGE)


def _close(server: HostileServer, h: _Handler, rest: str) -> None:
    pass  # the connection closes without a byte of answer


def _garbage(server: HostileServer, h: _Handler, rest: str) -> None:
    h.wfile.write(b"SSH-2.0-OpenSSH_9.2p1 fictional\r\n\r\n")


def _many_headers(server: HostileServer, h: _Handler, rest: str) -> None:
    server.send(h, 200, PAGE, tuple((f"X-Header-{i}", "x") for i in range(500)))


BEHAVIOURS: dict[str, Callable[[HostileServer, _Handler, str], None]] = {
    "ok": _ok,  # 200 with PAGE
    "status": _status,  # /status/410: that status
    "redirect": _redirect,  # /redirect/3: three redirects, then PAGE
    "loop": _loop,  # redirects to itself forever
    "to": _to,  # /to/301?http://elsewhere/: a redirect to anything
    "echo": _echo,  # 200 with the request headers as JSON
    "encoded": _encoded,  # /encoded/gzip, /deflate, /raw-deflate, /br: PAGE compressed
    "bomb": _bomb,  # /bomb/gzip or /bomb/deflate: 64 KiB that inflate to 64 MiB
    "forever": _forever,  # a chunked page that never ends
    "huge": _huge,  # Content-Length of 1 GiB, and the bytes to go with it
    "slow-headers": _slow_headers,  # one header that grows one byte at a time
    "slow-lines": _slow_lines,  # header lines without end, one byte at a time
    "slow-body": _slow_body,  # headers at once, then the body one byte at a time
    "silent": _silent,  # reads the request and never answers
    "cut": _cut,  # promises 100000 bytes, sends a few and closes
    "close": _close,  # closes without answering
    "garbage": _garbage,  # not HTTP at all
    "many-headers": _many_headers,  # 500 header lines
}
