"""From report to removal, in headless Chromium against the live server (STYLE.md S23).

One path through every actor: a reporter files a report in Dutch, an analyst assesses it, a
second user approves, the notice is queued from the item page, the worker sends it to a real
SMTP server, the test reads the mail and checks each art. 16(2) element, the platform's
"removed" decision is recorded, and the reporter sees "removed" on the status page.

Selectors use ids and name attributes, not visible text: the labels are being translated.
Screenshots of each step go to ``tmp_path``; with ``FLAGDESK_SCREENSHOTS=1`` the staff queue
is also saved to docs/screenshots/staff-queue.png for the README.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from conftest import SmtpServer, log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.core import taxonomy
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.intake.views import STATUS_TEXT
from flagdesk.notices.models import Notice
from flagdesk.organisation.services import DesignationInput, update_organisation
from flagdesk.platforms.services import add_platform

REPORTED_URL = "https://www.social.test/p/42?utm_source=x"
NORMALISED_URL = "https://www.social.test/p/42"
LEGAL_BASIS = "BE-CC-417/9"
FACTS_ON = "2025-11-03"  # posted before the report; the 1867 code's article applies
AUTHORITY = "BIPT (Belgian Digital Services Coordinator)"
ORG_NAME = "Safe Online Belgium"
ORG_EMAIL = "notices@safeonline.test"
# In Dutch, the platform's notice language: reasons in another language are flagged.
REASONS = (
    "Het bericht toont twee intieme foto's van de persoon die als slachtoffer gemeld werd; zij "
    "is naakt en herkenbaar aan haar gezicht en aan haar voornaam in het bijschrift. Zij heeft "
    "nooit ingestemd met de verspreiding ervan. Het tonen of verspreiden van beelden van een "
    "naakte persoon zonder diens toestemming vervult elk bestanddeel van art. 417/9 van het "
    "Belgische Strafwetboek."
)
GOOD_FAITH = ("bona fide belief", "oprechte overtuiging")  # English source or Dutch catalogue
REPO_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "staff-queue.png"
# Other reports, so the queue the analyst (and the README screenshot) sees is not a lone row.
OTHER_REPORTS = [
    ("https://www.social.test/u/hatefulpage", "gender_hate_speech"),
    ("https://video.example-unknown.test/watch?v=abc123", "ncii"),
    ("https://www.social.test/p/77", ""),
]
TIMEOUT = 15_000


@pytest.fixture
def setup(settings: Any, users: dict[str, User]) -> dict[str, User]:
    """A Dutch-speaking platform and a trusted flagger designated for NCII."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    coordinator = users["coordinator"]
    add_platform(
        actor=coordinator,
        name="Social Test",
        domains=["social.test"],
        notice_address="dsa@social.test",
        languages=["nl"],
    )
    update_organisation(
        actor=coordinator,
        name=ORG_NAME,
        email=ORG_EMAIL,
        designations=[
            DesignationInput(
                authority=AUTHORITY,
                designated_on=dt.date(2024, 3, 1),
                phenomena=["ncii", "gender_hate_speech"],
            )
        ],
    )
    return users


@pytest.fixture
def dutch_page(chromium: Browser) -> Iterator[Page]:
    """A browser set to Belgian Dutch: it sends ``Accept-Language: nl-BE``, sets no cookie."""
    context = chromium.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


class Shots:
    """Numbered full-page screenshots in the test's tmp dir (kept by pytest for failures)."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0

    def __call__(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the notice has no text/plain part"
    return str(part.get_content()).replace("\r\n", "\n")  # SMTP lines end in CRLF


def json_part(message: EmailMessage) -> dict[str, Any]:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/json"]
    assert len(parts) == 1, "the notice needs exactly one application/json part"
    content = parts[0].get_content()
    return json.loads(content.decode() if isinstance(content, bytes) else content)


def file_report(page: Page, url: Callable[..., str], shot: Shots) -> tuple[str, str]:
    """The reporter's part, in Dutch; returns the reference and receipt code shown once."""
    page.goto(url("intake:report"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # from Accept-Language alone
    ncii_nl = taxonomy.phenomena()["ncii"].label("nl")
    expect(page.locator("label.choice:has(input[name=phenomenon][value=ncii])")).to_contain_text(
        ncii_nl
    )
    page.fill("textarea[name=urls]", REPORTED_URL)
    page.check("input[name=phenomenon][value=ncii]")
    page.check("input[name=role][value=victim]")
    page.check("input[name=anonymous][value=anonymous]")
    shot("report-filled")
    page.locator("form[action$='/report'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/report/done$"))
    receipts = page.locator(".receipt-list .receipt")
    expect(receipts).to_have_count(2)
    reference, code = (s.strip() for s in receipts.all_inner_texts())
    assert reference and code
    shot("report-done")
    return reference, code


def save_readme_screenshot(page: Page) -> None:
    """The queue as the README shows it: same session, in English (the README's language)."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        storage_state=page.context.storage_state(),
        locale="en-GB",
        viewport={"width": 1280, "height": 720},
    )
    try:
        english = context.new_page()
        english.goto(page.url)
        expect(english.locator("html")).to_have_attribute("lang", "en")
        expect(english.locator("table.items tbody tr")).to_have_count(1 + len(OTHER_REPORTS))
        REPO_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        english.screenshot(path=str(REPO_SCREENSHOT), full_page=True)
    finally:
        context.close()


def assess(page: Page, url: Callable[..., str], item: Item, shot: Shots) -> None:
    """The analyst opens the item from the queue and assesses it as illegal."""
    page.goto(url("cases:queue"))
    row_link = page.locator(f"td.url a[href$='/items/{item.id}/']")
    expect(row_link).to_be_visible()
    expect(page.locator("table.items tbody tr")).to_have_count(1 + len(OTHER_REPORTS))
    shot("queue")
    if os.environ.get("FLAGDESK_SCREENSHOTS") == "1":
        save_readme_screenshot(page)
    row_link.click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))
    page.locator(f"a[href$='/items/{item.id}/assess']").first.click()
    page.wait_for_url(re.compile(r"/assess$"))
    page.check("input[name=verdict][value=illegal]")
    page.select_option("select[name=phenomenon]", "ncii")
    page.check("input[name=content_types][value=image]")
    page.fill("input[name=facts_on]", FACTS_ON)
    basis = page.locator(f"input[id^='lb-ncii-'][value='{LEGAL_BASIS}']")
    if not basis.is_visible():  # its group starts closed when the phenomenon was unknown
        page.locator("details.legal-group:has(input[id^='lb-ncii-']) > summary").click()
    basis.check()
    page.fill("textarea[name=reasons]", REASONS)
    shot("assessment-filled")
    page.locator("form.assess button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))
    expect(page.locator(".error-summary")).to_have_count(0)


def approve(page: Page, url: Callable[..., str], item: Item, shot: Shots) -> None:
    """The reviewer finds the item in the review queue and approves the assessment."""
    page.goto(url("cases:review-queue"))
    page.locator(f"td.url a[href$='/items/{item.id}/']").click()
    page.locator("a[href*='/assessments/'][href$='/review']").click()
    page.wait_for_url(re.compile(r"/review$"))
    shot("review")
    page.locator("button[name=decision][value=approve]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))


def send_notice(page: Page, shot: Shots) -> None:
    """The item page's send form: one approved item, ticked."""
    form = page.locator("form.notice-send")
    expect(form.locator("input[name=item_ids]")).to_be_checked()
    # An NCII notice must name us (art. 16(2)(c) DSA): the option is not even offered.
    expect(form.locator("input[name=anonymous]")).to_have_count(0)
    shot("approved-item")
    form.locator("button[value=check]").click()  # the pre-flight first
    expect(page.locator("section.preflight")).to_be_visible()
    expect(page.locator("section.preflight li.bad")).to_have_count(0)
    shot("preflight")
    page.locator("form.notice-send button[value=send]").click()
    page.wait_for_url(re.compile(r"/staff/notices/$"))


def check_notice_mail(
    message: EmailMessage, notice: Notice, envelope: tuple[str, list[str]]
) -> None:
    """Every art. 16(2) element (legal.md table) in the mail as the platform receives it."""
    assert envelope[1] == ["dsa@social.test"]
    assert message["To"] == "dsa@social.test"
    assert ORG_EMAIL in message["From"]
    assert notice.reference in message["Subject"]
    assert message["Message-ID"] and message["Message-ID"] == notice.message_id
    body = text_part(message)
    assert re.search(rf"^[^\n]*: {re.escape(NORMALISED_URL)}$", body, re.M), body  # (b)
    assert "utm_source" not in body
    basis = taxonomy.legal_bases()[LEGAL_BASIS]
    assert f"{basis.instrument['nl']}, art. {basis.article}" in body, body  # (a), in Dutch
    assert basis.label("nl") in body and REASONS in body
    assert ORG_NAME in body and ORG_EMAIL in body  # (c)
    assert any(words in body for words in GOOD_FAITH), body  # (d)
    # art. 22: trusted flagger, its designation named by the area of this item, in Dutch
    designated_for = re.search(rf"{re.escape(AUTHORITY)}.*", body)
    assert designated_for, body
    assert designated_for[0].endswith(taxonomy.phenomena()["ncii"].label("nl")), designated_for[0]
    assert "(ncii)" not in body and "CONTENT_TYPE_" not in body
    payload = json_part(message)
    assert [i["url"] for i in payload["items"]] == [NORMALISED_URL]
    assert payload["reference"] == notice.reference
    assert payload["trusted_flagger"] is True
    assert payload["notifier"] == {"name": ORG_NAME, "email": ORG_EMAIL}
    assert [b["code"] for b in payload["items"][0]["legal_bases"]] == [LEGAL_BASIS]


def record_removal(page: Page, url: Callable[..., str], notice: Notice, shot: Shots) -> None:
    page.goto(url("notices:notice-detail", notice_id=notice.id))
    page.select_option("#record-response select[name=kind]", "decision")
    page.select_option("#record-response select[name=decision]", "removed")
    received = timezone.localtime() - dt.timedelta(minutes=1)
    page.fill("input[name=received_at]", received.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=platform_reference]", "SOC-2024-0042")
    page.fill("textarea[name=statement]", "We removed the content under our NCII policy.")
    page.locator("#record-response button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/notices/{notice.id}/$"))
    expect(page.locator(".error-summary")).to_have_count(0)
    shot("decision-recorded")


@pytest.mark.browser
def test_report_in_dutch_ends_removed(
    dutch_page: Page,
    live_url: Callable[..., str],
    setup: dict[str, User],
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    page = dutch_page
    shot = Shots(page, tmp_path)
    for other_url, phenomenon in OTHER_REPORTS:
        submit_report(ReportSubmission(urls=[other_url], role="witness", phenomenon=phenomenon))

    reference, code = file_report(page, live_url, shot)
    item = Item.objects.get(reports__reference=reference)
    assert item.url == NORMALISED_URL and item.platform is not None

    log_in(page, live_url, "alice")
    assess(page, live_url, item, shot)
    log_out(page)

    log_in(page, live_url, "bob")
    approve(page, live_url, item, shot)
    send_notice(page, shot)
    notice = Notice.objects.get(items=item)
    assert smtp_server.messages == []  # queued, not sent: the worker sends

    call_command("worker", burst=True)
    [message] = smtp_server.wait_for(1)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    check_notice_mail(message, notice, smtp_server.envelopes[0])

    record_removal(page, live_url, notice, shot)
    item.refresh_from_db()
    assert item.status == Item.Status.REMOVED
    log_out(page)

    page.goto(live_url("intake:report-status"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.fill("input[name=reference]", reference)
    page.fill("input[name=receipt_code]", code)
    page.locator("form[action$='/report/status'] button[type=submit]").click()
    status = page.locator("section[aria-labelledby=status-title]")
    address = page.locator("article[aria-labelledby=address-1]")  # the one item's card
    badges = page.locator("main .badge.removed")
    expect(badges).to_have_count(2)  # overall and the one item
    expect(status.locator(".badge.removed")).to_have_count(1)
    with translation.override("nl"):  # whatever the Dutch catalogue says today
        removed_nl = str(STATUS_TEXT["removed"][0])
    expect(badges.first).to_have_text(removed_nl)
    expect(address.locator(".badge.removed")).to_have_text(removed_nl)
    expect(address.locator("h3.url")).to_have_text(NORMALISED_URL)
    shot("status-removed")
