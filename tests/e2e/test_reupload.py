"""A known picture comes back, resized and re-compressed, and is caught (issue 4), in Chromium.

The known item's picture was hashed by an analyst and put in the "Own cases" bank, and a
reviewer allowed its approved assessment to pre-fill. A victim reports a new URL with a copy of
the picture at 60% size and JPEG quality 55 through the public form; the worker matches its
PDQ hash; the analyst sees the match (blurred) with a link to the known case and assesses in
one click; a second person approves. Screenshots go to ``tmp_path``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from conftest import BROWSER_TIMEOUT as TIMEOUT
from conftest import log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.tests.factories import approved_item, social_platform
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.media import hash_media
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import allow_prefill, create_bank
from flagdesk.matching.services.matching import record_media
from flagdesk.matching.services.media import add_item_to_bank

NEW_URL = "https://www.social.test/p/reupload-7"


@pytest.fixture
def known(settings: Any, users: dict[str, User]) -> Item:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    social_platform(users["coordinator"])
    item, assessment = approved_item(users, "https://www.social.test/p/original-1")
    record_media(
        item,
        hash_media(picture_bytes(), filename="original.jpg"),
        actor=users["analyst"],
        source="analyst",
        keep_thumbnail=True,
    )
    own = create_bank(actor=users["coordinator"], name="Own cases")
    for entry in add_item_to_bank(item, own, actor=users["analyst"], tags=["ncii"]).added:
        allow_prefill(entry, assessment, actor=users["reviewer"])
    return item


def test_a_resized_recompressed_copy_is_matched_and_assessed_in_one_click(
    browser_page: Page,
    live_url: Callable[..., str],
    users: dict[str, User],
    known: Item,
    tmp_path: Path,
) -> None:
    page = browser_page
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(picture_bytes(scale=0.6, quality=55))

    # The victim reports the new URL with the copy.
    page.goto(live_url("intake:report"))
    page.fill("textarea[name=urls]", NEW_URL)
    page.check("input[name=phenomenon][value=ncii]")
    page.check("input[name=role][value=victim]")
    page.check("input[name=anonymous][value=anonymous]")
    page.set_input_files("input[name=media]", str(copy))
    page.locator("form[action$='/report'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/report/done$"))
    page.screenshot(path=str(tmp_path / "01-reported.png"), full_page=True)
    item = Item.objects.get(url=NEW_URL)
    assert sorted(item.signals.values_list("signal_type", flat=True)) == ["md5", "pdq", "sha256"]

    # The worker matches it against the banks.
    call_command("worker", burst=True)
    match = Match.objects.get(item=item)
    assert match.entry.item == known and 0 < match.distance <= 31
    event = CaseEvent.objects.get(item=item, kind=CaseEvent.Kind.MATCHED)
    assert event.data["known_case"] == known.case.reference

    # The analyst sees it blurred, with the known case, and assesses in one click.
    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-detail", item_id=item.id))
    panel = page.locator(f"#match-{match.id}")
    expect(panel.locator("img.thumb")).to_have_class("thumb blurred", timeout=TIMEOUT)
    expect(panel).to_contain_text(known.case.reference)
    page.screenshot(path=str(tmp_path / "02-match.png"), full_page=True)
    panel.locator(f"form[action$='/matches/{match.id}/assess'] button").click()
    expect(page.locator("html")).to_be_visible()
    item.refresh_from_db()
    assert item.status == Item.Status.AWAITING_REVIEW
    assessment = item.assessments.get()
    assert assessment.author.username == "alice"
    assert assessment.reasons == known.assessments.get().reasons
    prefilled = CaseEvent.objects.get(item=item, kind=CaseEvent.Kind.PREFILLED)
    assert prefilled.data["known_case"] == known.case.reference
    log_out(page)

    # Four eyes still hold: bob approves.
    log_in(page, live_url, "bob")
    page.goto(live_url("cases:assessment-review", assessment_id=assessment.id))
    page.locator("button[name=decision][value=approve]").click()
    page.wait_for_url(re.compile(rf"/staff/items/{item.id}/$"))
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED
    page.screenshot(path=str(tmp_path / "03-approved.png"), full_page=True)
