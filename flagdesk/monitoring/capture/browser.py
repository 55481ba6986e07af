"""Debian's Chromium for evidence captures: one per worker process, confined, in its own thread.

Why a thread of its own, with Playwright's async API: Playwright's objects belong to the event
loop that created them, and Django refuses ORM calls in a thread where an event loop runs
(``SynchronousOnlyOperation``). With the sync API in the worker's thread, every database call
after a capture would need ``DJANGO_ALLOW_ASYNC_UNSAFE``; and the sync API runs a route
handler's blocking fetch on the event loop itself, so one slow subresource would freeze every
other request and every Playwright timeout of the page. Here the browser lives in the thread
``flagdesk-browser``, which runs an asyncio loop forever; fetches run in worker threads
(``network``) while the loop keeps time.

How the worker uses it: it calls ``run_capture(capture)`` from its own thread, as any service.
That calls ``run(job, timeout=...)``, which hands the coroutine to the browser thread and waits
at most ``timeout`` seconds; database work never leaves the worker's thread. Several threads
may capture at once (each capture has its own browser context). A browser that crashed, or a
driver that died, is started again by the next capture; a loop that overran its deadline is
abandoned and a new one started, so a capture can never hold the worker longer than that.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

log = logging.getLogger(__name__)

T = TypeVar("T")

ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-breakpad",
    "--mute-audio",
    "--hide-scrollbars",
    # WebRTC could open UDP to any address, past both the routes and the proxy.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    # Chromium resolves no name itself: a request that escaped the routes cannot even leak a
    # DNS query (the dead proxy below is an address, not a name).
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LAUNCH_TIMEOUT_MS = 30_000
CLOSE_SECONDS = 10.0


class BrowserUnavailable(Exception):
    """Chromium could not be started (missing, or it refused to start)."""


class BrowserStuck(Exception):
    """The browser's thread did not answer within the time it was given."""


def launch_options(dead_proxy_port: int) -> dict[str, Any]:
    """How Chromium is launched: headless, Debian's binary, every connection to a dead proxy.

    Every request of a page is answered by the routes (``network``), so nothing should ever
    reach the network; the proxy is the second lock. It points at a port of ours that is bound
    but never listens, and ``<-loopback>`` removes Chromium's implicit exemption of 127.0.0.1,
    so anything a route did not answer (a download, a redirect Chromium follows on its own, a
    WebSocket) fails instead of connecting anywhere. The sandbox stays on unless we run as
    root, where Chromium refuses it: run the worker as an unprivileged user.
    """
    return {
        "executable_path": str(settings.EVIDENCE_BROWSER),
        "headless": True,
        "chromium_sandbox": os.geteuid() != 0,
        "args": ARGS,
        "proxy": {"server": f"http://127.0.0.1:{dead_proxy_port}", "bypass": "<-loopback>"},
        "timeout": LAUNCH_TIMEOUT_MS,
        # The worker's own stop signal decides when to stop, not the driver.
        "handle_sigint": False,
        "handle_sigterm": False,
        "handle_sighup": False,
    }


def context_options() -> dict[str, Any]:
    """A fresh, empty profile per capture: no cookies or storage from another capture."""
    width, height = settings.EVIDENCE_VIEWPORT
    return {
        "accept_downloads": False,
        "service_workers": "block",
        "java_script_enabled": True,
        "viewport": {"width": width, "height": height},
        "device_scale_factor": 1,
        "locale": "en",
        "timezone_id": "UTC",
        "storage_state": None,
        "permissions": [],
    }


class BrowserThread:
    """The browser of this process and the thread whose event loop drives it."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.contexts_opened = 0  # for tests: proves when no browser was used
        self._loop = asyncio.new_event_loop()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._launching = asyncio.Lock()
        # Bound and never listening: connecting to it is refused at once, and no other
        # process can take the port while we hold it.
        self._dead_proxy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._dead_proxy.bind(("127.0.0.1", 0))
        self.dead_proxy_port = int(self._dead_proxy.getsockname()[1])
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="flagdesk-browser", daemon=True
        )
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def run(self, job: Callable[[Browser], Awaitable[T]], *, timeout: float) -> T:
        """``await job(browser)`` in the browser thread; ``BrowserStuck`` after ``timeout``."""
        future = asyncio.run_coroutine_threadsafe(self._with_browser(job), self._loop)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise BrowserStuck from None

    async def _with_browser(self, job: Callable[[Browser], Awaitable[T]]) -> T:
        browser = await self._ensure_browser()
        self.contexts_opened += 1
        return await job(browser)

    async def _ensure_browser(self) -> Browser:
        from playwright.async_api import Error, async_playwright

        async with self._launching:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            for attempt in (1, 2):
                try:
                    if self._playwright is None:
                        self._playwright = await async_playwright().start()
                    self._browser = await self._playwright.chromium.launch(
                        **launch_options(self.dead_proxy_port)
                    )
                    log.info("evidence.browser_started", extra={"attempt": attempt})
                    return self._browser
                except Error as e:
                    # A dead driver fails every launch: start a new one, once.
                    await self._stop_playwright()
                    if attempt == 2:
                        raise BrowserUnavailable(str(e).splitlines()[0]) from e
            raise AssertionError("unreachable")  # pragma: no cover

    async def _stop_playwright(self) -> None:
        from playwright.async_api import Error

        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                await asyncio.wait_for(browser.close(), CLOSE_SECONDS)
        except (Error, TimeoutError):
            log.warning("evidence.browser_not_closed")
        try:
            if playwright is not None:
                await asyncio.wait_for(playwright.stop(), CLOSE_SECONDS)
        except (Error, TimeoutError):
            log.warning("evidence.driver_not_stopped")

    def close(self, *, timeout: float = 20) -> None:
        """Stop the browser, its driver and the thread (tests, and a stuck loop)."""
        if self._loop.is_running():
            done = asyncio.run_coroutine_threadsafe(self._stop_playwright(), self._loop)
            try:
                done.result(timeout=timeout)
            except (concurrent.futures.TimeoutError, RuntimeError):
                log.warning("evidence.browser_not_stopped")
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._dead_proxy.close()


_current: BrowserThread | None = None
_current_lock = threading.Lock()


def browser_thread() -> BrowserThread:
    """This process's browser thread, started on first use (and again after a fork)."""
    global _current
    with _current_lock:
        if _current is None or _current.pid != os.getpid() or not _current.is_alive():
            _current = BrowserThread()
        return _current


def abandon(stuck: BrowserThread) -> None:
    """Give up a browser thread that overran its deadline: the next capture gets a new one.

    Stopping it is attempted in a thread of its own, so the worker is not held by it."""
    global _current
    with _current_lock:
        if _current is stuck:
            _current = None
    threading.Thread(target=stuck.close, name="flagdesk-browser-stop", daemon=True).start()
    log.warning("evidence.browser_abandoned")


def shutdown() -> None:
    """Stop this process's browser, if one was started (tests' teardown, process exit)."""
    global _current
    with _current_lock:
        current, _current = _current, None
    if current is not None and current.pid == os.getpid():
        current.close()


# The driver and Chromium end with the process, not after it.
atexit.register(shutdown)
