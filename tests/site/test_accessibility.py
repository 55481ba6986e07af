"""Public pages meet WCAG 2.2 AA as far as a machine can tell: axe-core in headless Chromium
on every page of ``PUBLIC_PAGES``, in every language, with no violation; and the report form
works with the keyboard alone.

axe-core is the copy committed in tests/vendor/axe-core (scripts/vendor-axe.sh); nothing is
fetched. It runs through the browser's developer protocol (``page.evaluate``), which the
page's Content-Security-Policy does not apply to, so the pages are checked under their real
policy. What axe cannot judge (is a label meaningful, is the focus order logical) is what the
keyboard test and docs/accessibility.md cover.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, Page, expect

from tests.site.public_pages import (
    LANGUAGES,
    PUBLIC_PAGES,
    TIMEOUT,
    PublicPage,
    Visit,
    show,
    visiting,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no separate tag for 2.2's level A rules).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


FIRST_TAB_STOP = """() => {
  if (document.querySelector("[tabindex]:not([tabindex='-1']):not([tabindex='0'])")) {
    return "an element with a positive tabindex";
  }
  const reachable = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']";
  const first = [...document.querySelectorAll(reachable)].find(
    (e) => !e.disabled && e.getClientRects().length > 0);
  return first ? first.id : null;
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def check_leave_button(visit: Visit, entry: PublicPage, settings: Any) -> None:
    """Pages for reporters show "Leave this site" (test_leave_quickly.py tests what it does),
    as the first stop of the keyboard; the staff's sign-in pages do not."""
    leave = visit.page.locator("#leave-site")
    if not entry.leave:
        expect(leave).to_have_count(0)
        return
    expect(leave).to_be_visible()
    assert leave.get_attribute("href") == settings.LEAVE_URL
    assert leave.get_attribute("title"), entry.name  # it names the shortcut
    assert visit.page.evaluate(FIRST_TAB_STOP) == "leave-site", entry.name


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("entry", PUBLIC_PAGES, ids=[p.name for p in PUBLIC_PAGES])
def test_public_page_has_no_wcag_violation(
    entry: PublicPage, chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    found: list[str] = []
    for language in LANGUAGES:
        with visiting(
            chromium, live_server.url, settings, request.getfixturevalue, language
        ) as visit:
            show(visit, entry)
            lang = visit.page.get_attribute("html", "lang")
            assert lang == language, f"{entry.name}: <html lang={lang!r}> for {language}"
            check_leave_button(visit, entry, settings)
            if violations := axe_violations(visit.page):
                where = f"{entry.name} in {language} ({visit.page.url})"
                found.append(f"{where}:\n{describe(violations)}")
    assert not found, "axe-core found WCAG 2.2 A/AA violations:\n" + "\n".join(found)


# -- every public route is checked -------------------------------------------------------------


def _routes(patterns: list[Any] | None = None, namespace: str = "") -> list[tuple[str, Any]]:
    """(qualified name, pattern) of every named route outside the API."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("api/"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_routes(entry.url_patterns, inner))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def _sample_url(route: str, pattern: URLPattern) -> str:
    """The route's URL, each argument an arbitrary value of its converter's type."""
    samples = {"uuid": "00000000-0000-4000-8000-000000000000", "int": "1", "slug": "x"}
    converters = pattern.pattern.converters
    kwargs = {
        name: samples.get(type(conv).__name__.removesuffix("Converter").lower(), "MQ")
        for name, conv in converters.items()
    }
    return reverse(route, kwargs=kwargs or None)


def test_every_public_route_is_in_the_table(db: None, users: dict[str, Any]) -> None:
    """A route that shows anything to a visitor without a login (after any redirect) is a
    public page: it must be in PUBLIC_PAGES, so the checks above cover it. Routes that send
    a visitor to the login page, refuse them (403) or take only POST are not."""
    client = Client()
    login = reverse("accounts:login")
    checked = {p.route for p in PUBLIC_PAGES}
    missing = []
    for route, pattern in _routes():
        url = _sample_url(route, pattern)
        response = client.get(url, follow=True)
        chain = [u for u, _status in response.redirect_chain]
        if any(u.startswith(login) for u in chain) or response.status_code in (403, 405):
            continue
        final = response.resolver_match.view_name if response.resolver_match else route
        if route not in checked and not chain:
            missing.append(f"{route} ({url}, HTTP {response.status_code})")
        elif chain and final not in checked:
            missing.append(f"{final} (reached from {route} at {url})")
    assert not missing, (
        "Public routes missing from tests/site/public_pages.py PUBLIC_PAGES:\n  "
        + "\n  ".join(missing)
    )


# -- the keyboard alone ------------------------------------------------------------------------


def _focused(page: Page) -> str:
    """What has the keyboard focus: a radio button's group name, else its id, else its tag
    and the start of its text."""
    return page.evaluate(
        """() => { const e = document.activeElement;
          if (e.type === "radio") return e.name;
          return e.id || (e.tagName + ":" + e.textContent.trim().slice(0, 40)); }"""
    )


SEND = "BUTTON:Send report"


def _tab_to(page: Page, target: str, limit: int = 80) -> list[str]:
    """Press Tab until ``target`` (as ``_focused`` names it) has the focus; the stops on
    the way, in order."""
    stops: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(_focused(page))
        if stops[-1] == target:
            return stops
    raise AssertionError(f"Tab never reached {target}: {stops}")


def test_the_report_form_works_with_the_keyboard_alone(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    from flagdesk.intake.models import Report

    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "en") as visit:
        page = visit.page
        visit.open("/report")
        # First stop: the leave button, then the skip link, which moves the focus to main.
        page.keyboard.press("Tab")
        assert _focused(page) == "leave-site"
        page.keyboard.press("Tab")
        assert _focused(page) == "skip-link"
        page.keyboard.press("Enter")
        assert _focused(page) == "main"

        # Sending it empty: the error summary takes the focus and links to the first field.
        stops = _tab_to(page, SEND)
        order = [s for s in stops if s.startswith("id_") or s in {"role", "anonymous"}]
        assert order.index("id_urls") < order.index("id_description") < order.index("role")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".error-summary")).to_be_focused(timeout=TIMEOUT)
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#id_urls"
        page.keyboard.press("Enter")
        assert _focused(page) == "id_urls"

        # Filling it with the keyboard: type, Tab through the fields in the order they show.
        page.keyboard.type("https://social.example.test/p/keyboard-only")
        _tab_to(page, "phenomenon")  # a radio group: one stop, arrows choose
        _tab_to(page, "id_description")
        page.keyboard.type("Fictional pictures, typed without a mouse.")
        _tab_to(page, "role")
        page.keyboard.press("Space")  # the first role
        _tab_to(page, "anonymous")
        page.keyboard.press("ArrowDown")  # "Give my contact details": the fields appear
        expect(page.locator("#contact-details")).to_be_visible()
        _tab_to(page, "id_reporter_name")
        page.keyboard.type("Robin Example")
        page.keyboard.press("Tab")
        assert _focused(page) == "id_reporter_email"
        page.keyboard.type("robin@mail.example.test")
        _tab_to(page, "id_has_consented")
        page.keyboard.press("Space")
        _tab_to(page, SEND)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".receipt-list")).to_be_visible(timeout=TIMEOUT)
    report = Report.objects.get()
    assert report.reporter_name == "Robin Example" and not report.is_anonymous


def test_the_tab_order_follows_the_visual_order(
    chromium: Browser, live_server: Any, settings: Any, request: Any
) -> None:
    """From the first field to the send button, each Tab stop on the report form is below the
    one before, or beside it on its right: the keyboard never jumps back up the page."""
    with visiting(chromium, live_server.url, settings, request.getfixturevalue, "en") as visit:
        page = visit.page
        visit.open("/report")
        page.check("input[name=anonymous][value=contact]")  # every field shows
        page.locator("#id_urls").focus()
        stops: list[tuple[str, float, float]] = []
        for _ in range(40):
            top, left = page.evaluate(
                """() => { const r = document.activeElement.getBoundingClientRect();
                  return [r.top + window.scrollY, r.left]; }"""
            )
            stops.append((_focused(page), top, left))
            if stops[-1][0] == SEND:
                break
            page.keyboard.press("Tab")
        assert stops[-1][0] == SEND, stops
        for before, after in pairwise(stops):
            below = after[1] > before[1] + 1
            beside = abs(after[1] - before[1]) <= 1 and after[2] > before[2]
            assert below or beside, f"Tab goes from {before} back up to {after}"
