"""What a reporter's browser keeps of us: no third party hears of the visit, and after a
report and a look at its status nothing of the report stays in the browser.

Chromium with a fresh profile per test (a new context); every request for another host is
recorded and refused, so a test never reaches the internet.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.site.public_pages import (
    PUBLIC_PAGES,
    TIMEOUT,
    PublicPage,
    Visit,
    fill_report,
    show,
    visiting,
)

pytestmark = pytest.mark.browser

STORAGE = """async () => ({
  localStorage: localStorage.length,
  sessionStorage: sessionStorage.length,
  indexedDB: (await indexedDB.databases()).length,
  cacheStorage: (await caches.keys()).length,
  serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
})"""
EMPTY_STORAGE = dict.fromkeys(
    ("localStorage", "sessionStorage", "indexedDB", "cacheStorage", "serviceWorkers"), 0
)


def refuse_other_hosts(visit: Visit, elsewhere: list[str]) -> None:
    """Record and abort every request that is not for the live server."""
    ours = urlsplit(visit.base_url).netloc

    def check(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    visit.page.context.route("**/*", check)


# -- no third party ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", PUBLIC_PAGES, ids=[p.name for p in PUBLIC_PAGES])
def test_public_pages_ask_nothing_of_another_site(
    entry: PublicPage, chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    """Every request a public page makes (documents, styles, scripts, images, fonts, icons)
    goes to our own origin, and its Content-Security-Policy would stop any other."""
    requested: list[Request] = []
    elsewhere: list[str] = []
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "en") as visit:
        refuse_other_hosts(visit, elsewhere)
        visit.page.on("request", lambda r: requested.append(r))
        show(visit, entry)
        visit.page.wait_for_load_state("load")  # every subresource the page asked for
        policy = visit.responses[-1].header_value("content-security-policy") or ""
    origin = urlsplit(live_server.url)
    assert requested
    others = [r.url for r in requested if urlsplit(r.url)[:2] != origin[:2]]
    assert not others and not elsewhere, others + elsewhere
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}
    assert directives.get("default-src") == ["'self'"], policy
    # blob: is the page's own object URLs (the blurred preview of the reporter's picture,
    # made in the browser from their file): nothing from another site.
    for name, sources in directives.items():
        foreign = [s for s in sources if s not in {"'self'", "'none'", "data:", "blob:"}]
        assert not foreign, f"{name} allows {foreign}"


# -- nothing stays in the browser --------------------------------------------------------------


def _visited(page: Page, urls: list[str]) -> None:
    page.on(
        "framenavigated", lambda frame: urls.append(frame.url) if frame == page.main_frame else None
    )


def test_nothing_of_the_report_stays_in_the_browser(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    elsewhere: list[str] = []
    urls: list[str] = []
    typed = {
        "#id_urls": "https://social.example.test/p/a11y-check",
        "#id_description": "Fictional pictures of me posted without my consent.",
        "#id_reporter_name": "Robin Example",
        "#id_reporter_email": "robin@mail.example.test",
        "#id_reporter_phone": "+32 470 00 00 00",
    }
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "fr") as visit:
        refuse_other_hosts(visit, elsewhere)
        page = visit.page
        _visited(page, urls)
        # A report with contact details and a description, then its status, then more to it.
        visit.open("/report")
        fill_report(visit, contact=True)
        for selector, value in typed.items():
            assert page.input_value(selector) == value
        visit.submit("form[action$='/report']")
        reference, code = (s.strip() for s in page.locator(".receipt").all_inner_texts())
        page.get_by_role("link", name="Suivre votre signalement").click()
        page.fill("#id_reference", reference)
        page.fill("#id_receipt_code", code)
        visit.submit("form:has(input[name=form][value=status])")
        expect(page.locator("#status-title")).to_contain_text(reference)
        page.fill("#id_message-reference", reference)
        page.fill("#id_message-receipt_code", code)
        page.fill("#id_message-text", "Fictional: the same pictures are elsewhere too.")
        visit.submit("form:has(input[name=form][value=message])")
        expect(page.locator("#add-information [role=status]")).to_be_visible()

        assert page.evaluate(STORAGE) == EMPTY_STORAGE
        [cookie] = page.context.cookies()
        assert cookie["name"] == settings.CSRF_COOKIE_NAME
        assert cookie["expires"] == -1  # a session cookie: gone when the browser closes

        # The addresses the tab went through carry no report data: no query strings, and
        # neither the reference, the code, the email nor the description in them.
        secrets = [reference, code, "robin", "example.test", "Fictional"]
        assert all(not urlsplit(url).query for url in urls), urls
        assert not [u for u in urls if any(s.lower() in u.lower() for s in secrets)], urls

        # Back through the history: the status page comes back empty (the posted codes are
        # not sent again), the receipt is not shown again, and the form is empty.
        page.go_back()
        expect(page).to_have_url(visit.url("/report/status"))
        for selector in ("#id_reference", "#id_receipt_code", "#id_message-reference"):
            assert page.input_value(selector) == "", selector
        assert page.input_value("#id_message-receipt_code") == ""
        assert page.input_value("#id_message-text") == ""
        expect(page.locator("#status-title")).to_have_count(0)
        while not page.url.endswith("/report"):
            assert page.go_back() is not None, urls
            expect(page.locator(".receipt")).to_have_count(0)
        for selector in typed:
            assert page.input_value(selector) == "", selector
        expect(page.locator("input[name=anonymous][value=anonymous]")).to_be_checked()
        expect(page.locator("#id_has_consented")).not_to_be_checked()
        assert page.evaluate(STORAGE) == EMPTY_STORAGE
    assert not elsewhere


def test_without_javascript_the_form_keeps_no_report_text_either(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    """The browser's own form restore skips fields marked autocomplete=off: going back to the
    form after sending it, the addresses and the description are gone even without the
    script; the reporter's own name, email and phone keep their autocomplete tokens."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    with visiting(
        chromium,
        live_server.url,
        settings,
        request.getfixturevalue,
        "en",
        java_script_enabled=False,
    ) as visit:
        page = visit.page
        visit.open("/report")
        fill_report(visit, contact=True)
        visit.submit("form[action$='/report']")
        expect(page.locator(".receipt-list")).to_be_visible(timeout=TIMEOUT)
        page.go_back()
        expect(page).to_have_url(visit.url("/report"))
        assert page.input_value("#id_urls") == ""
        assert page.input_value("#id_description") == ""
        tokens = {
            name: page.get_attribute(f"#id_{name}", "autocomplete")
            for name in ("urls", "description", "reporter_name", "reporter_email", "reporter_phone")
        }
    assert tokens == {
        "urls": "off",
        "description": "off",
        "reporter_name": "name",
        "reporter_email": "email",
        "reporter_phone": "tel",
    }
