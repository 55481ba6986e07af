"""An intake officer's day with the intake mailbox, in headless Chromium under the real CSP:
the mail is read from a real IMAP server, the officer opens the intake mailbox through the
staff menu's Intake hub, opens the draft, confirms it, and sees the new report, without any
admin page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.intake.mail_intake.services import poll_intake_mailbox
from flagdesk.intake.models import MailedReport, Report
from flagdesk.intake.tests.mail_samples import mail, picture
from flagdesk.matching.models import ItemSignal

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


def test_an_intake_officer_confirms_a_mailed_report(
    browser_page: Page,
    live_url: Callable[..., str],
    users: dict[str, Any],
    imap_mailbox: Any,
    settings: Any,
) -> None:
    settings.INTAKE_IMAP_URL = imap_mailbox.url
    imap_mailbox.append(mail(1, files=[("capture.png", "image/png", picture(9))]))
    assert poll_intake_mailbox().taken == 1
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    log_in(page, live_url, "dave")
    page.locator("nav.topnav a[href$='/staff/intake/']").click()  # the Intake hub
    expect(page.locator("#hub-mailbox")).to_contain_text("1 mail waits", timeout=TIMEOUT)
    page.locator("#hub-mailbox a[href$='/staff/mailbox/']").click()
    drafts = page.locator("#mail-drafts tbody tr")
    expect(drafts).to_have_count(1, timeout=TIMEOUT)
    drafts.first.locator("a").click()

    expect(page.locator("#mail-body")).to_contain_text("photos intimes", timeout=TIMEOUT)
    expect(page.locator("main")).to_contain_text("PDQ")
    confirm = page.locator("#mail-confirm")
    expect(
        confirm.locator("input[name=urls][value='https://social.test/p/mail-1']")
    ).to_be_checked()
    expect(confirm.locator("select[name=language]")).to_have_value("fr")
    confirm.locator("select[name=role]").select_option("victim")
    confirm.locator("button[type=submit]").click()

    report = page.locator("#mail-report")
    expect(report).to_be_visible(timeout=TIMEOUT)
    created = Report.objects.get()
    expect(report).to_have_text(created.reference)
    expect(page.locator("#mail-status")).to_have_text("Confirmed")
    assert created.channel == Report.Channel.EMAIL
    assert MailedReport.objects.get().handled_by == users["intake"]
    assert ItemSignal.objects.filter(item__in=created.items.all()).count() == 3
    report.click()  # the new report's item
    expect(page.locator("main")).to_contain_text("https://social.test/p/mail-1", timeout=TIMEOUT)
    assert not [p for p in problems if "Content Security Policy" in p]
