"""Every request of a captured page, answered through the safe fetcher or refused.

The browser never connects anywhere itself: its routes hand each request to ``fetch`` (the
same SSRF rules, limits and resolver as re-checks) and answer the page with what came back.
What the fetcher refused, what is not a GET or HEAD, what comes from a popup and what arrives
after the deadline is aborted and recorded, so the capture can say what the page tried.

Why bodies are answered without ``Content-Encoding``/``Content-Length``: the fetcher hands
back the decoded body, so the original framing headers would describe other bytes.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings

from ..fetcher import Fetched, fetch

if TYPE_CHECKING:
    from playwright.async_api import Page, Request, Route, WebSocketRoute

# Headers that describe one connection, not the resource (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Framing of the body as received; the fetcher decoded it.
FRAMING = frozenset({"content-encoding", "content-length"})
# What the page's request may tell the server, besides what the fetcher always sends.
FORWARDED = ("accept", "accept-language", "referer")
METHODS = frozenset({"GET", "HEAD"})
# A page may not make a capture hold more than this (bodies stay in memory for the WARC).
MAX_REQUESTS = 400
MAX_TOTAL_BYTES = 100 * 1024 * 1024
FETCH_THREADS = 6
ABORT_ERRORS = {"refused": "blockedbyclient", "unreachable": "connectionfailed"}


@dataclass(frozen=True)
class Exchange:
    """One request the page made and the fetcher's answer, as the page received it."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    fetched: Fetched
    resource_type: str = "document"


@dataclass(frozen=True)
class Blocked:
    """One request or connection that was refused, and why (a stable code)."""

    method: str
    url: str
    resource_type: str
    reason: str


@dataclass
class Router:
    """The route handlers of one capture.

    ``main`` is the main document, fetched before the browser opened: it answers the page's
    first navigation, so the URL is fetched once and the page shows what the fetch found.
    Requests arriving after ``serve_until`` (``time.monotonic()``) are aborted, so a page that
    keeps loading cannot keep the capture from its screenshot.
    """

    main: Fetched | None
    serve_until: float
    page: Page | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    bytes_served: int = 0
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="capture")
    )

    @property
    def main_served(self) -> bool:
        return self.main is None

    async def handle(self, route: Route) -> None:
        from playwright.async_api import Error

        request = route.request
        try:
            refusal = self._refusal(request)
            if refusal:
                self._block(request, refusal)
                await route.abort("blockedbyclient")
                return
            main = self._take_main(request)
            fetched = main or await self._fetch(request)
            if fetched.http_status is None:
                self._block(request, fetched.reason)
                await route.abort(ABORT_ERRORS.get(fetched.outcome, "failed"))
                return
            self.bytes_served += len(fetched.body)
            sent = () if main else forwarded(request)
            self.exchanges.append(
                Exchange(request.method, request.url, sent, fetched, request.resource_type)
            )
            await route.fulfill(
                status=fetched.http_status,
                headers=browser_headers(fetched),
                body=fetched.body,
            )
        except Error:
            pass  # the page or its context closed while this request was in flight

    async def refuse_websocket(self, websocket: WebSocketRoute) -> None:
        """No WebSocket is ever connected: the fetcher speaks HTTP only."""
        self.blocked.append(Blocked("GET", websocket.url, "websocket", "websocket"))
        await websocket.close(code=1008, reason="blocked")

    def _refusal(self, request: Request) -> str:
        if not request.url.startswith(("http://", "https://")):
            return "scheme_not_allowed"
        if request.method not in METHODS:
            return "method_not_allowed"
        if not self._from_main_page(request):
            return "popup"
        if time.monotonic() >= self.serve_until:
            return "deadline"
        if len(self.exchanges) + len(self.blocked) >= MAX_REQUESTS:
            return "too_many_requests"
        if self.bytes_served >= MAX_TOTAL_BYTES:
            return "too_large"
        return ""

    def _from_main_page(self, request: Request) -> bool:
        from playwright.async_api import Error

        try:
            return request.frame.page == self.page
        except Error:  # a service worker's request has no frame (they are blocked anyway)
            return False

    def _take_main(self, request: Request) -> Fetched | None:
        if self.main is None or self.page is None or not request.is_navigation_request():
            return None
        if request.frame != self.page.main_frame:
            return None
        main, self.main = self.main, None
        return main

    async def _fetch(self, request: Request) -> Fetched:
        headers = dict(forwarded(request))
        limit = min(settings.MONITORING_MAX_BYTES, MAX_TOTAL_BYTES - self.bytes_served)
        call = partial(fetch, request.url, method=request.method, headers=headers, max_bytes=limit)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    def _block(self, request: Request, reason: str) -> None:
        self.blocked.append(Blocked(request.method, request.url, request.resource_type, reason))

    def close(self) -> None:
        # Fetches still running finish within the fetcher's own deadline, unheard.
        self.executor.shutdown(wait=False, cancel_futures=True)


def is_decoded(fetched: Fetched) -> bool:
    """True unless the body is still in a coding the fetcher does not undo (``br``)."""
    return "content_encoding" not in fetched.extra


def browser_headers(fetched: Fetched) -> dict[str, str]:
    """The answer's headers for the browser: one value per name (Playwright's form), without
    hop-by-hop and framing headers, and without ``Location`` on a 3xx, which Chromium would
    follow by itself, outside the routes (the fetcher already followed what it allowed)."""
    status = fetched.http_status or 0
    dropped = HOP_BY_HOP | (FRAMING if is_decoded(fetched) else {"content-length"})
    merged: dict[str, str] = {}
    for name, value in fetched.headers:
        key = name.lower()
        if key in dropped or (key == "location" and 300 <= status < 400):
            continue
        separator = "\n" if key == "set-cookie" else ", "
        merged[key] = f"{merged[key]}{separator}{value}" if key in merged else value
    return merged


def forwarded(request: Request) -> tuple[tuple[str, str], ...]:
    return tuple((name, request.headers[name]) for name in FORWARDED if name in request.headers)
