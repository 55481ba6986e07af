"""Issue 8, points 14 to 17 and 24, as every demo persona in headless Chromium (S23).

Each persona logs in through the form and must land on a styled page it can use, with the
staff menu (only pages it may open, each opening with 200) and a working log out; the top bar
keeps Log out and the menu on one line each at 1024, 1280 and 1366 px in every language, and a
menu wider than the window shows its overflow cue (a fade and an arrow on the right edge). A
refused page is the styled refusal in the reader's language; the designation form's labels sit
over their own fields; notices and items link to each other.

Screenshots go to ``tmp_path``. Expected menus and landings are written out in
``tests/staff_world.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from conftest import PERSONAS, log_in, log_out
from flagdesk.accounts.models import Role
from flagdesk.organisation.services import DesignationInput, update_organisation
from tests.staff_world import EXPECTED_MENU, LANDING, World, staff_world

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
LANGUAGES = [code for code, _name in django_settings.LANGUAGES]
WIDTHS = (1024, 1280, 1366)
BACKGROUND = "rgb(246, 247, 250)"  # --bg of flagdesk.css: the stylesheet is applied
# Resolves after the browser has drawn two frames: styles driven by a scroll timeline are
# up to date then.
NEXT_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))"


@pytest.fixture
def world(users: dict[str, Any], settings: Any, live_url: Callable[..., str]) -> World:
    return staff_world(users, settings)


def switch_language(page: Page, language: str) -> None:
    page.select_option("#lang-select", language)
    page.locator("form.langswitch button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language, timeout=TIMEOUT)


def top_bar_lines(page: Page) -> dict[str, Any]:
    """Where the brand, Log out and each menu link sit, and whether the page scrolls sideways."""
    return page.evaluate(
        """() => {
          const top = el => Math.round(el.getBoundingClientRect().top);
          const links = [...document.querySelectorAll('.topnav a')].map(top);
          const logout = document.querySelector("form[action$='/logout'] button");
          const nav = document.querySelector('.topnav');
          return {
            brand: top(document.querySelector('.brand')),
            logout: logout ? top(logout) : null,
            menu_rows: new Set(links).size,
            scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
            menu_hidden: nav ? nav.scrollWidth > nav.clientWidth : false,
            menu_cue: nav ? getComputedStyle(nav).maskImage !== 'none'
              && getComputedStyle(nav.parentElement, '::after').visibility === 'visible' : false,
          };
        }"""
    )


@pytest.mark.parametrize("role", list(PERSONAS))
def test_persona_lands_on_a_styled_page_with_its_menu_and_log_out(
    browser_page: Page, live_url: Callable[..., str], world: World, role: str, tmp_path: Path
):
    page = browser_page
    log_in(page, live_url, PERSONAS[role])
    expect(page).to_have_url(live_url(LANDING[role]), timeout=TIMEOUT)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == BACKGROUND
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"{role}-landing.png"), full_page=True)

    menu = page.locator(".topnav a")
    hrefs = [menu.nth(i).get_attribute("href") for i in range(menu.count())]
    assert hrefs == [reverse(route) for route in EXPECTED_MENU[role]]
    for href in hrefs:
        response = page.goto(live_url(href))
        assert response is not None and response.status == 200, href
        expect(page.locator("form[action$='/logout'] button")).to_be_visible()

    for language in LANGUAGES:
        switch_language(page, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_function(NEXT_FRAMES)  # the scroll timeline follows the new width
            lines = top_bar_lines(page)
            assert lines["logout"] == lines["brand"], (language, width, lines)
            assert lines["menu_rows"] == (1 if hrefs else 0), (language, width, lines)
            assert not lines["scrolls"], (language, width, lines)
            # Entries out of sight are announced; a menu that fits is not faded.
            assert lines["menu_cue"] == lines["menu_hidden"], (language, width, lines)
        if role == "coordinator" and language == "de":
            page.screenshot(path=str(tmp_path / "coordinator-de-1280.png"))
    switch_language(page, "en")

    log_out(page)
    expect(page).to_have_url(re.compile(r"/login$"), timeout=TIMEOUT)
    response = page.goto(live_url(LANDING[role]))
    assert response is not None
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=TIMEOUT)


def test_partner_lands_on_its_account_page_with_the_api_docs(
    browser_page: Page, live_url: Callable[..., str], world: World
):
    page = browser_page
    log_in(page, live_url, PERSONAS["partner"])
    docs = page.locator(f"a[href='{reverse('api:openapi-view')}']")
    expect(docs).to_be_visible()
    docs.click()
    expect(page).to_have_url(re.compile(r"/api/v1/docs$"), timeout=TIMEOUT)


def test_refused_page_is_styled_in_french_and_leads_to_the_start_page(
    browser_page: Page, live_url: Callable[..., str], world: World, tmp_path: Path
):
    page = browser_page
    log_in(page, live_url, PERSONAS["auditor"])
    switch_language(page, "fr")
    response = page.goto(live_url("cases:queue"))
    assert response is not None and response.status == 403
    with translation.override("fr"):
        title = translation.gettext("You cannot open this page")
        roles = ", ".join(
            str(Role(r).label) for r in ("intake", "analyst", "reviewer", "coordinator")
        )
        banks = translation.gettext("Banks")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".refusal h1")).to_have_text(title)
    expect(page.locator(".refusal")).to_contain_text(roles)
    expect(page.locator(".topnav")).to_contain_text(banks)  # the menu, in French
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == BACKGROUND
    page.screenshot(path=str(tmp_path / "auditor-refused-fr.png"), full_page=True)
    page.locator(".refusal a.button").click()
    expect(page).to_have_url(live_url(LANDING["auditor"]), timeout=TIMEOUT)


def test_author_opening_the_review_of_their_own_assessment_is_told_why(
    browser_page: Page, live_url: Callable[..., str], world: World
):
    page = browser_page
    log_in(page, live_url, PERSONAS["analyst"])  # alice wrote the waiting assessment
    response = page.goto(live_url("cases:assessment-review", world.waiting_assessment.id))
    assert response is not None and response.status == 403
    expect(page.locator(".refusal .reason")).to_have_text(
        "You wrote this assessment, so another reviewer must decide on it."
    )
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()


def test_designation_labels_sit_over_their_own_fields(
    browser_page: Page,
    live_url: Callable[..., str],
    world: World,
    users: dict[str, Any],
    tmp_path: Path,
):
    update_organisation(
        actor=users["coordinator"],
        name="Safe Online",
        email="notices@safe.test",
        designations=[
            DesignationInput(
                authority="BIPT", designated_on=dt.date(2026, 7, 3), phenomena=["ncii"]
            )
        ],
    )
    page = browser_page
    log_in(page, live_url, PERSONAS["coordinator"])
    page.goto(live_url("organisation:organisation-edit"))
    page.screenshot(path=str(tmp_path / "organisation.png"), full_page=True)
    for row in (0, 1):  # the saved designation and the blank one
        for field in ("authority", "designated_on", "valid_until"):
            name = f"designations-{row}-{field}"
            label = page.locator(f"label[for='id_{name}']").bounding_box()
            control = page.locator(f"[name='{name}']").bounding_box()
            assert label and control, name
            assert abs(label["x"] - control["x"]) < 2, (name, label, control)
            below = control["y"] - (label["y"] + label["height"])
            assert 0 <= below < 40, (name, label, control)
    expect(page.locator("[name='designations-0-designated_on']")).to_have_value("2026-07-03")


def test_notice_and_item_pages_link_to_each_other(
    browser_page: Page, live_url: Callable[..., str], world: World
):
    page = browser_page
    log_in(page, live_url, PERSONAS["intake"])
    page.goto(live_url("cases:item-detail", world.notified.id))
    notice_url = reverse("notices:notice-detail", args=[world.notice.id])
    expect(page.locator(f"ol.timeline a[href='{notice_url}']").first).to_have_text(
        world.notice.reference
    )
    page.locator(f"#notices a[href='{notice_url}']").click()
    expect(page).to_have_url(live_url(notice_url), timeout=TIMEOUT)
    page.locator(f"a[href='{reverse('cases:item-detail', args=[world.notified.id])}']").click()
    expect(page).to_have_url(live_url("cases:item-detail", world.notified.id), timeout=TIMEOUT)
