"""Items waiting for an unknown platform, in Chromium (issue 8, point 18).

A coordinator registers the platform and its items follow; an admin adds a second domain and
that item follows too; an analyst sets the platform of a CDN-hosted item by hand on its page;
the intake officer sees the history but no form. Screenshots go to ``tmp_path``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import PASSWORD, enter_code, log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.platforms.models import Platform


@pytest.fixture
def waiting(settings: Any, users: dict[str, User]) -> dict[str, Item]:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    return {
        "post": reported_item("https://www.picshare.test/p/1"),
        "short": reported_item("https://pic.test/abc"),
        "cdn": reported_item("https://cdn-77.test/img/1.jpg"),
    }


def row_of(page: Page, name: str):
    return page.locator("table tbody tr", has=page.locator(f"td:text-is('{name}')"))


@pytest.mark.browser
def test_waiting_items_follow_their_platform_and_an_analyst_sets_one_by_hand(
    browser_page: Page,
    live_url: Callable[..., str],
    users: dict[str, User],
    waiting: dict[str, Item],
    tmp_path: Path,
) -> None:
    page = browser_page
    log_in(page, live_url, "carol")
    page.goto(live_url("platforms:platform-add"))
    page.fill("input[name=name]", "PicShare")
    page.fill("textarea[name=domains]", "picshare.test")
    page.fill("input[name=notice_address]", "dsa@picshare.test")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/platforms/$"))
    expect(page.locator("ul.messages")).to_contain_text("1 waiting item now belongs to PicShare.")
    expect(row_of(page, "PicShare").locator("td").nth(5)).to_have_text("1")
    page.screenshot(path=str(tmp_path / "01-registered.png"), full_page=True)
    log_out(page)

    platform = Platform.objects.get(name="PicShare")
    # Straight to the platforms page: the admin's landing page after login is another point.
    page.goto(live_url("accounts:login") + "?next=" + reverse("platforms:platform-list"))
    page.fill("input[name=username]", "erin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action*='/login'] button[type=submit]").click()
    enter_code(page, "erin")
    page.wait_for_url(re.compile(r"/staff/platforms/$"))
    row_of(page, "PicShare").locator(f"a[href$='/platforms/{platform.id}/domains']").click()
    page.fill("textarea[name=domains]", "pic.test")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/platforms/$"))
    expect(row_of(page, "PicShare").locator("td").nth(5)).to_have_text("2")
    log_out(page)

    cdn = waiting["cdn"]
    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-detail", cdn.id))
    box = page.locator("#item-platform")
    expect(box).to_contain_text("No registered domain matches this address")
    box.locator("select[name=platform]").select_option("picshare")
    box.locator("input[name=note]").fill("PicShare serves its images from this CDN.")
    page.screenshot(path=str(tmp_path / "02-set-by-hand.png"), full_page=True)
    box.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{cdn.id}/$"))
    expect(page.locator("#item-platform")).to_contain_text("Set by hand by alice")
    expect(page.locator(".timeline")).to_contain_text("PicShare serves its images from this CDN.")
    page.screenshot(path=str(tmp_path / "03-after.png"), full_page=True)
    log_out(page)

    log_in(page, live_url, "dave")
    page.goto(live_url("cases:item-detail", waiting["short"].id))
    expect(page.locator("#item-platform")).to_contain_text("when pic.test was registered")
    expect(page.locator("#item-platform select")).to_have_count(0)
    for item in waiting.values():
        item.refresh_from_db()
        assert item.platform == platform
