"""An analyst sees a re-upload's match blurred and un-blurs it, in headless Chromium (S23).

Selectors use ids, classes and form actions, not visible text: the labels are translated.
Screenshots go to ``tmp_path``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import approved_item, reported_item
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import EntryInput, add_entries
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.thumbnails import greyscale_thumbnail

from .factories import bank, item_signals, random_pdq
from .media_samples import synthetic_image

TIMEOUT = 15_000


@pytest.fixture
def match(users: dict[str, Any], matching_index_dir: Path, live_url: Callable[..., str]) -> Match:
    """A re-upload of a known item whose bank entry kept a (synthetic) thumbnail."""
    known, _ = approved_item(users)
    pdq = random_pdq(3)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(8, (160, 160)))).decode()
    add_entries(
        bank(users["coordinator"]),
        [EntryInput("pdq", pdq, 90, item=known, thumbnail=picture)],
        actor=users["analyst"],
    )
    item = reported_item()
    item_signals(item, [ComputedSignal("pdq", pdq, 90)])
    [found] = match_item(item)
    return found


def test_analyst_unblurs_a_match(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, Any], match: Match, tmp_path
):
    page = browser_page
    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-detail", item_id=match.item_id))
    thumb = page.locator(f"#match-{match.id} img.thumb")
    expect(thumb).to_have_class("thumb blurred", timeout=TIMEOUT)
    blurred_src = thumb.get_attribute("src")
    assert blurred_src == reverse("matching:match-thumbnail", args=[match.id])
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")  # the JPEG was served
    page.locator(f"#match-{match.id}").screenshot(path=str(tmp_path / "01-blurred.png"))
    page.screenshot(path=str(tmp_path / "01-item-page.png"), full_page=True)

    page.locator(f"form[action$='/matches/{match.id}/unblur'] button[type=submit]").click()
    expect(thumb).to_have_class("thumb", timeout=TIMEOUT)
    clear_src = thumb.get_attribute("src")
    assert clear_src != blurred_src and clear_src.endswith("?clear=1")
    page.wait_for_function(
        "id => { const i = document.querySelector(`#match-${id} img.thumb`);"
        " return i.complete && i.naturalWidth > 0; }",
        arg=str(match.id),
        timeout=TIMEOUT,
    )
    assert page.url.endswith(f"#match-{match.id}")
    page.locator(f"#match-{match.id}").screenshot(path=str(tmp_path / "02-unblurred.png"))
    assert AuditEntry.objects.filter(action="media.unblur", actor=users["analyst"]).count() == 1
