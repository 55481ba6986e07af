"""A minor depicted, in headless Chromium (issue "Notices a regulator ... cannot fault", point 5).

An analyst qualifies a sextortion message and records that the person targeted appears to be
a minor: the system switches to the child-protection keywords, the case is marked, the item
page refuses to keep the picture given with it, and the reviewer reads the checks that passed
before approving. Selectors use names, ids and data attributes, not the translated labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.core import taxonomy
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.models import MediaFile
from flagdesk.platforms.services import add_platform

FACTS_ON = "2025-11-03"
REASONS = (
    "The direct message tells a 15-year-old boy to pay 200 euros within 24 hours, or an intimate "
    "picture of him will be sent to the classmates listed by name in the message. Threatening "
    "to reveal intimate images to obtain money is extortion by threat of revelation, and the "
    "demand for more pictures solicits a child to provide images of himself."
)


@pytest.fixture
def sextortion_item(settings: Any, users: dict[str, User]) -> Item:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    add_platform(
        actor=users["coordinator"],
        name="Chat Test",
        domains=["chat.test"],
        notice_address="dsa@chat.test",
        languages=["en"],
    )
    submitted = submit_report(
        ReportSubmission(urls=["https://chat.test/m/5521"], role="parent", phenomenon="sextortion")
    )
    return submitted.items[0]


def national_basis_in_force(phenomenon: str) -> str:
    import datetime as dt

    on = dt.date.fromisoformat(FACTS_ON)
    return next(
        b.code
        for b in taxonomy.phenomena()[phenomenon].bases_in_force(on)
        if not b.is_context_only and not b.verify
    )


@pytest.mark.browser
def test_a_minor_switches_keywords_refuses_the_picture_and_the_reviewer_sees_the_checks(
    browser_page: Page,
    live_url: Callable[..., str],
    sextortion_item: Item,
    tmp_path: Path,
) -> None:
    page, item = browser_page, sextortion_item
    basis = national_basis_in_force("sextortion")

    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-assess", item_id=item.id))
    page.check("input[name=verdict][value=illegal]")
    page.select_option("select[name=phenomenon]", "sextortion")
    page.fill("input[name=facts_on]", FACTS_ON)
    page.check("input[name=minor_depicted]")
    page.check("input[name=content_types][value=text]")
    page.check("input[name=content_types][value=image]")
    checkbox = page.locator(f"input[id^='lb-sextortion-'][value='{basis}']")
    if not checkbox.is_visible():
        page.locator("details.legal-group:has(input[id^='lb-sextortion-']) > summary").click()
    checkbox.check()
    page.fill("textarea[name=reasons]", REASONS)
    page.screenshot(path=str(tmp_path / "01-assessment.png"), full_page=True)
    page.locator("form.assess button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))
    expect(page.locator(".error-summary")).to_have_count(0)

    assessment = Assessment.objects.get(item=item)
    switch = taxonomy.phenomena()["sextortion"].tdb_if_victim_minor
    assert switch is not None
    assert assessment.minor_depicted
    assert assessment.tdb_category == switch.category
    assert assessment.keywords == list(switch.keywords)  # not the adult NCII keyword
    assert "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING" not in assessment.keywords

    # The picture the parent sent is hashed, never kept: the boxes are off and explained.
    expect(page.locator("#keep-refusal")).to_be_visible()
    expect(page.locator("input[name=keep_thumbnail]")).to_be_disabled()
    expect(page.locator("input[name=keep_file]")).to_be_disabled()
    picture = tmp_path / "picture.jpg"
    picture.write_bytes(picture_bytes())
    page.set_input_files("form[action$='/media'] input[name=file]", str(picture))
    page.locator("form[action$='/media'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/"))
    assert item.signals.exists()
    assert not MediaFile.objects.filter(item=item).exists()
    assert not item.signals.exclude(thumbnail="").exists()
    page.screenshot(path=str(tmp_path / "02-item.png"), full_page=True)
    log_out(page)

    log_in(page, live_url, "bob")
    page.goto(live_url("cases:assessment-review", assessment_id=assessment.id))
    checks = page.locator("ul.checks li")
    expect(checks.first).to_be_visible()
    for code in (
        "minor_consistency",
        "bases_of_phenomenon",
        "bases_in_force",
        "keywords_fit_minor",
    ):
        expect(page.locator(f"ul.checks li.ok[data-check={code}]")).to_have_count(1)
    expect(page.locator("ul.checks li.bad")).to_have_count(0)
    for keyword in switch.keywords:
        expect(page.locator("section.card dl.facts").last).to_contain_text(taxonomy.label(keyword))
    page.screenshot(path=str(tmp_path / "03-review.png"), full_page=True)
    page.locator("button[name=decision][value=approve]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED
    assert item.case.has_minor_depicted
