"""The workbench's keyboard shortcuts in headless Chromium under the real CSP: an analyst
walks the queue with j, ticks the approved items with x and sends their notices with n,
one per platform; the help dialog opens with ? and shortcuts stay off while typing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import BROWSER_TIMEOUT, log_in
from flagdesk.cases.tests.factories import reported_item
from flagdesk.notices.models import Notice
from flagdesk.notices.tests.factories import approved_item, make_platform


@pytest.mark.browser
def test_an_analyst_sends_notices_for_the_approved_items_from_the_keyboard(
    browser_page: Page, live_url: Callable[..., str], users
) -> None:
    make_platform(users)
    make_platform(users, name="Video", domain="video.test")
    approved = {
        str(approved_item(users).id),
        str(approved_item(users).id),
        str(approved_item(users, domain="video.test").id),
    }
    waiting = reported_item("https://social.test/keyboard/new")
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live_url, "alice")
    page.goto(live_url("workbench:queue"))
    rows = page.locator("tr.wb-row")
    expect(rows).to_have_count(4)

    page.keyboard.press("?")
    expect(page.locator("#wb-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#wb-help")).to_be_hidden()

    page.locator("#wb-search").focus()
    page.keyboard.type("jx")  # typing in the search box: no row moves or gets ticked
    expect(page.locator("tr.wb-focus")).to_have_count(0)
    page.locator("#wb-search").fill("")
    page.locator("h1").click()

    for _ in range(4):
        page.keyboard.press("j")
        focused = page.locator("tr.wb-focus")
        expect(focused).to_have_count(1)
        if focused.get_attribute("data-id") in approved:
            page.keyboard.press("x")
    ticked = page.locator("input[name=item_ids]:checked")
    expect(ticked).to_have_count(3)
    assert {ticked.nth(i).get_attribute("value") for i in range(3)} == approved
    assert page.locator(f"tr[data-id='{waiting.id}'] input:checked").count() == 0

    page.keyboard.press("n")
    expect(page.locator(".msg-success")).to_contain_text(
        "2 notices queued", timeout=BROWSER_TIMEOUT
    )
    notices = Notice.objects.filter(status=Notice.Status.QUEUED).order_by("platform__name")
    assert [(n.platform.name, n.items.count()) for n in notices] == [("Social", 2), ("Video", 1)]
    assert {str(i) for n in notices for i in n.items.values_list("id", flat=True)} == approved
    assert problems == []
