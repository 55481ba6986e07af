"""One page in a fresh browser context: load it, then screenshot, text and DOM, on a deadline.

The deadline has two parts. Loading gets everything up to ``deadline - reserve``: a page
that never finishes loading is then captured as far as it got (``load_completed`` False), and
requests after that moment are refused. The reserve is for the screenshot, the text and the
DOM; each step is bounded by what is left, so a page whose scripts never yield (the renderer
busy forever) ends in ``CaptureFailed`` with a reason instead of a hung worker.

Popups are closed as they open and their requests refused; downloads are refused by the
context (``accept_downloads=False``) and recorded; a main document that is itself a download
ends the capture: there is no page to show.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .browser import context_options
from .network import Blocked, Exchange, Router

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Download, FloatRect, Page

    from ..fetcher import Fetched

T = TypeVar("T")

# After ``load``, scripts may still fetch what the page shows; wait this long at most for the
# network to be quiet (Playwright: no request for 500 ms).
SETTLE_SECONDS = 3.0
CLOSE_SECONDS = 10.0
_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")


class CaptureFailed(Exception):
    """The page could not be captured; ``reason`` says why, in the user's language."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class PageCapture:
    screenshot: bytes
    text: str
    html: str
    page_url: str
    load_completed: bool
    screenshot_at: dt.datetime
    exchanges: list[Exchange]
    blocked: list[Blocked]
    popups_closed: int
    downloads_refused: list[str] = field(default_factory=list)


def reserve_seconds(total: float) -> float:
    """The part of the deadline kept for the screenshot, the text and the DOM."""
    return min(15.0, max(1.5, total / 4))


async def capture_page(
    browser: Browser, main: Fetched, *, deadline: float, total_seconds: float
) -> PageCapture:
    """Show ``main`` (already fetched) in a fresh context and capture what it displays.

    ``deadline`` is a ``time.monotonic()`` value; ``CaptureFailed`` for anything the page can
    do to prevent a capture.
    """
    load_until = deadline - reserve_seconds(total_seconds)
    router = Router(main=main, serve_until=load_until)
    context = await browser.new_context(**context_options())
    try:
        return await _capture(context, router, main, load_until, deadline, total_seconds)
    finally:
        router.close()
        # A browser that crashed fails this; the next capture starts a new one.
        await _quietly(asyncio.wait_for(context.close(), CLOSE_SECONDS))


async def _capture(
    context: BrowserContext,
    router: Router,
    main: Fetched,
    load_until: float,
    deadline: float,
    total_seconds: float,
) -> PageCapture:
    await context.route("**/*", router.handle)
    await context.route_web_socket(lambda url: True, router.refuse_websocket)
    page = await context.new_page()
    router.page = page
    popups: list[asyncio.Task[None]] = []
    downloads: list[str] = []

    def close_popup(opened: Page) -> None:
        if opened != page:
            popups.append(asyncio.ensure_future(_quietly(opened.close())))

    def refuse_download(download: Download) -> None:
        downloads.append(download.url)

    context.on("page", close_popup)
    page.on("download", refuse_download)
    loaded = await _load(page, router, main.final_url or main.url, load_until, downloads)
    if loaded:
        await _settle(page, load_until)
    seconds = int(total_seconds)
    screenshot = await _bounded(_screenshot(context, page, deadline), deadline, seconds)
    screenshot_at = dt.datetime.now(dt.UTC)
    text = await _bounded(_text(page, deadline), deadline, seconds)
    html = await _bounded(page.content(), deadline, seconds)
    return PageCapture(
        screenshot=screenshot,
        text=text,
        html=html,
        page_url=page.url,
        load_completed=loaded,
        screenshot_at=screenshot_at,
        exchanges=list(router.exchanges),
        blocked=list(router.blocked),
        popups_closed=len(popups),
        downloads_refused=list(downloads),
    )


async def _load(page: Page, router: Router, url: str, until: float, downloads: list[str]) -> bool:
    """True when ``load`` fired in time, False when only part of the page loaded."""
    from playwright.async_api import Error
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.goto(url, wait_until="load", timeout=_ms(until))
        return True
    except PlaywrightTimeout:
        if router.main_served and page.url != "about:blank":
            return False  # what loaded is captured
        seconds = int(settings.EVIDENCE_CAPTURE_TIMEOUT_SECONDS)
        raise CaptureFailed(
            ngettext(
                "The page did not load within %(seconds)d second.",
                "The page did not load within %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds}
        ) from None
    except Error as e:
        if downloads or "Download is starting" in e.message:
            raise CaptureFailed(
                _("The address started a download instead of showing a page.")
            ) from None
        found = _NET_ERROR.search(e.message)
        raise CaptureFailed(
            _("The browser could not show the page (%(error)s).")
            % {"error": found.group(1) if found else "error"}
        ) from None


async def _settle(page: Page, until: float) -> None:
    from playwright.async_api import Error

    seconds = min(SETTLE_SECONDS, until - time.monotonic())
    if seconds <= 0:
        return
    try:
        await page.wait_for_load_state("networkidle", timeout=seconds * 1000)
    except Error:
        pass  # a page that keeps polling is captured as it is now


async def _screenshot(context: BrowserContext, page: Page, deadline: float) -> bytes:
    """The whole page, at most ``EVIDENCE_MAX_SCREENSHOT_HEIGHT`` pixels tall.

    The size comes from Chromium's layout (not from the page's scripts, which could lie).
    """
    # No ``finally`` around this: a cleanup awaited while the step is being cancelled at the
    # deadline would wait on the very renderer that made us give up (closing the context
    # ends the session anyway).
    session = await context.new_cdp_session(page)
    metrics = await session.send("Page.getLayoutMetrics")
    await session.detach()
    size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
    width, height = settings.EVIDENCE_VIEWPORT
    cap = settings.EVIDENCE_MAX_SCREENSHOT_HEIGHT
    clip: FloatRect = {
        "x": 0,
        "y": 0,
        "width": max(1, min(int(size.get("width") or width), cap)),
        "height": max(1, min(int(size.get("height") or height), cap)),
    }
    return await page.screenshot(
        full_page=True, clip=clip, type="png", animations="disabled", timeout=_ms(deadline)
    )


async def _text(page: Page, deadline: float) -> str:
    """What a reader sees as text (``innerText``), read in Playwright's own script world so
    that the page's scripts cannot redefine it."""
    from playwright.async_api import Error

    root = page.locator(":root")
    try:
        return await root.inner_text(timeout=_ms(deadline))
    except Error:  # not an HTML document (SVG, XML): its text content instead
        return await root.text_content(timeout=_ms(deadline)) or ""


async def _bounded(step: Awaitable[T], deadline: float, seconds: int) -> T:
    from playwright.async_api import Error
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        return await asyncio.wait_for(step, max(0.1, deadline - time.monotonic()))
    except (TimeoutError, PlaywrightTimeout):
        raise CaptureFailed(
            ngettext(
                "The page could not be captured within %(seconds)d second.",
                "The page could not be captured within %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds}
        ) from None
    except Error:  # the renderer or the browser crashed
        raise CaptureFailed(_("The browser could not read the page.")) from None


async def _quietly(step: Awaitable[Any]) -> None:
    """Close something that may already be gone (a popup, a context of a crashed browser)."""
    from playwright.async_api import Error

    try:
        await step
    except (Error, TimeoutError):
        pass


def _ms(until: float) -> float:
    return max(100.0, (until - time.monotonic()) * 1000)
