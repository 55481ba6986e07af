"""The "Leave this site" button (or Escape pressed twice) swaps our page for a neutral site
that Back does not leave. That every page for the people who report shows it, as the first
stop of the keyboard, is checked with each page's other checks in test_accessibility.py.

The neutral site is never reached: Playwright answers every request for another host itself
(``page.route``), with a small page of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import Browser, Route, expect

from tests.site.public_pages import TIMEOUT, Visit, visiting

pytestmark = pytest.mark.browser

NEUTRAL_PAGE = (
    '<!doctype html><title>Weather</title><link rel="icon" href="data:,"><p>Sunny spells.</p>'
)


def answer_other_hosts(visit: Visit, asked: list[dict[str, str]]) -> None:
    """Every request for another host gets NEUTRAL_PAGE from the browser itself; ``asked``
    collects the headers of those for a document (a page or a frame opened there)."""
    ours = urlsplit(visit.base_url).netloc

    def answer(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
            return
        if route.request.resource_type == "document":
            asked.append(route.request.headers)
        route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)

    visit.page.context.route("**/*", answer)


def _has_left(visit: Visit, settings: Any) -> None:
    page = visit.page
    expect(page).to_have_url(settings.LEAVE_URL, timeout=TIMEOUT)
    expect(page.locator("p")).to_have_text("Sunny spells.")
    # Our page left the tab's history: Back leads only to where the tab was before it (a new
    # tab's blank page here), never to our site.
    behind = []
    while page.go_back() is not None:
        behind.append(page.url)
    assert page.url == "about:blank", behind
    assert not [url for url in behind if url.startswith(visit.base_url)], behind


def test_the_button_replaces_the_page_with_the_neutral_site(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    asked: list[dict[str, str]] = []
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "fr") as visit:
        answer_other_hosts(visit, asked)
        visit.open("/report")
        visit.page.fill("#id_description", "Fictional text that must not come back.")
        visit.page.locator("#leave-site").click()
        _has_left(visit, settings)
        assert len(visit.page.context.pages) == 1  # no other tab or window
    [headers] = asked  # one request: the neutral page, nothing else opened
    assert "referer" not in headers  # the neutral site does not learn where the visitor was


def test_escape_twice_leaves_and_once_does_not(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    settings.LEAVE_URL = "https://weather.example.test/"
    asked: list[dict[str, str]] = []
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "nl") as visit:
        answer_other_hosts(visit, asked)
        visit.open("/report/status")
        page = visit.page
        assert "Esc" in (page.get_attribute("#leave-site", "title") or "")  # says the shortcut
        page.locator("#id_reference").focus()
        page.keyboard.press("Escape")
        page.keyboard.type("R-")  # typing goes on: one Escape alone does nothing
        page.keyboard.press("Escape")  # nor one after another key
        page.keyboard.type("7")
        assert page.input_value("#id_reference") == "R-7"
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        _has_left(visit, settings)
        assert len(page.context.pages) == 1  # no other tab or window
    assert len(asked) == 1


def test_without_javascript_the_button_is_a_plain_link(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    asked: list[dict[str, str]] = []
    with visiting(
        chromium,
        live_server.url,
        settings,
        request.getfixturevalue,
        "de",
        java_script_enabled=False,
    ) as visit:
        answer_other_hosts(visit, asked)
        visit.open("/report")
        leave = visit.page.locator("#leave-site")
        assert leave.get_attribute("rel") == "noreferrer"
        leave.click()
        expect(visit.page).to_have_url(settings.LEAVE_URL, timeout=TIMEOUT)
    assert "referer" not in asked[0]


def test_staff_pages_have_no_leave_button(client: Client, users: dict[str, Any]) -> None:
    client.force_login(users["analyst"])
    for path in ("/staff/start", "/report/no-such-page"):
        page = client.get(path, follow=True).content.decode()
        assert 'id="leave-site"' not in page, path
    # Signed out, the same missing page is a public one again.
    client.logout()
    assert 'id="leave-site"' in client.get("/report/no-such-page").content.decode()
