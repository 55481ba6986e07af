"""Writing to a reporter in headless Chromium: Dave opens the case page, writes to Camille
(fictional, French), the subject follows the kind of mail he picks (the page's script, under
the strict Content-Security-Policy), he previews and sends, and the case page lists the mail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.intake.models import ReporterMail
from flagdesk.intake.reporter_updates import default_subject
from flagdesk.intake.tests.factories import submitted_report, with_contact

pytestmark = pytest.mark.browser
TIMEOUT = 15_000
QUESTION = "Sur quel compte la deuxième photo a-t-elle été publiée ?"


def test_dave_asks_camille_for_more_information(
    browser_page: Page, live_url: Callable[..., str], users: dict
) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    report = submitted_report(
        "https://social.test/p/browser-write-1",
        language="fr",
        **with_contact(reporter_name="Camille Fictive", reporter_email="camille@mail.example.test"),
    ).report
    log_in(page, live_url, "dave")
    page.goto(live_url("cases:case-detail", report.case_id))
    page.locator("#reporter-mails").get_by_role("link", name="Write to the reporter").click()
    subject = page.locator("#id_subject")
    expect(subject).to_have_value(default_subject(report, "staff"), timeout=TIMEOUT)
    assert "Votre signalement" in subject.input_value()  # the reporter's language
    page.get_by_label("Ask for more information").check()
    expect(subject).to_have_value(default_subject(report, "needs_info"))
    page.locator("#id_text").fill(QUESTION)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text(QUESTION, timeout=TIMEOUT)
    assert ReporterMail.objects.count() == 0  # a preview sends nothing
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#reporter-mails")).to_contain_text(
        "More information needed", timeout=TIMEOUT
    )
    expect(page.locator("#reporter-mails")).to_contain_text("waiting for the reporter")
    mail = ReporterMail.objects.get()
    assert mail.kind == "needs_info" and mail.sent_by == users["intake"]
    assert problems == []  # no script or style refused by the Content-Security-Policy
