"""Follow-through in Chromium, as the people who do it: an analyst prepares a re-notice and
sees it wait for approval, a reviewer approves it, an analyst confirms a notice submitted by
hand on a platform's web form, and a coordinator sees the alert for a failed notice.
Screenshots go to ``tmp_path``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.notices.models import Notice
from flagdesk.notices.outbox import claim, give_up, mark_sent
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tests.factories import approved_item, make_platform
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.services import set_channels

REASON = "The picture is still online ten days after our notice and nothing was answered."


@pytest.fixture
def notices(settings: Any, users: dict[str, User]) -> dict[str, Notice]:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    make_platform(users)
    forms = make_platform(users, name="Formy", domain="formy.test")
    set_channels(
        forms,
        actor=users["coordinator"],
        channels=[{"kind": "webform", "endpoint": "https://formy.test/legal"}],
    )
    [sent] = queue_notices([approved_item(users)], actor=users["analyst"])
    mark_sent(claim(sent.outbox.pk, worker="t"), Delivery("<x@social.test>", timezone.now()))
    [by_hand] = queue_notices([approved_item(users, domain="formy.test")], actor=users["analyst"])
    [failing] = queue_notices([approved_item(users)], actor=users["analyst"])
    give_up(failing.outbox, reason="550 5.7.1 Rejected")
    return {"sent": sent, "by_hand": by_hand, "failing": failing}


@pytest.mark.browser
def test_follow_through_as_analyst_reviewer_and_coordinator(
    browser_page: Page,
    live_url: Callable[..., str],
    users: dict[str, User],
    notices: dict[str, Notice],
    tmp_path: Path,
) -> None:
    page = browser_page
    sent, by_hand, failing = notices["sent"], notices["by_hand"], notices["failing"]

    log_in(page, live_url, "alice")
    page.goto(live_url("notices:notice-detail", notice_id=sent.id))
    expect(page.locator("#attempts")).to_contain_text("Sent")
    page.select_option("#follow-up-kind", "renotice")
    page.fill("#follow-up-reason", REASON)
    page.locator("#follow-ups button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/notices/[0-9a-f-]+/$"))
    expect(page.locator("#approval")).to_contain_text("You cannot approve it")
    expect(page.locator("h1")).to_contain_text("Re-notice")
    page.screenshot(path=str(tmp_path / "01-renotice-draft.png"), full_page=True)
    renotice_url = page.url

    page.goto(live_url("notices:notice-detail", notice_id=by_hand.id))
    expect(page.locator("#copy-sheet")).to_contain_text("https://formy.test/legal")
    page.screenshot(path=str(tmp_path / "02-copy-sheet.png"), full_page=True)
    page.fill("#submitted-platform_reference", "FORM-7731")
    page.locator("#copy-sheet button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text("the notice is sent")
    expect(page.locator("h1 .badge")).to_have_text("Sent")
    log_out(page)

    log_in(page, live_url, "bob")
    page.goto(renotice_url)
    page.locator("#approval button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text("Approved")
    expect(page.locator("h1 .badge")).to_have_text(re.compile("Queued|Sent"))
    page.screenshot(path=str(tmp_path / "03-approved.png"), full_page=True)
    log_out(page)

    log_in(page, live_url, "carol")
    expect(page.locator(".staff-alert")).to_contain_text("1 failed")
    page.locator(".staff-alert a").click()
    expect(page.locator("main")).to_contain_text(failing.reference)
    page.screenshot(path=str(tmp_path / "04-follow-up-queue.png"), full_page=True)
    log_out(page)

    log_in(page, live_url, "frank")  # the auditor reads the quality page, and no queue
    page.goto(live_url("notices:quality"))
    expect(page.locator("h1")).to_have_text("Notice quality")
    page.goto(live_url("notices:follow-up-queue"))
    expect(page.locator("main")).to_contain_text(re.compile("not allowed|may not|role", re.I))
