"""An analyst forwards an item to a partner from the item page, in headless Chromium under the
real CSP, and sees the forward and then the partner's status. The partner is a small HTTP
server on 127.0.0.1 answering like a flagdesk's referrals API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners import delivery
from flagdesk.partners.models import Forward

from .factories import make_partner, partner_server

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


def test_an_analyst_forwards_an_item_and_sees_the_partners_status(
    browser_page: Page, live_url: Callable[..., str], users: Any, settings: Any
) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.MONITORING_ALLOW_LOOPBACK = True
    answer = {
        "reference": "R-PART-NER1",
        "partner_reference": "-",
        "status": "received",
        "items": [{"id": "x", "url": "https://social.test/browser/fwd", "status": "received"}],
        "receipt_code": None,
    }
    with partner_server((201, answer)) as server:
        partner = make_partner(base_url=server.url)
        [item] = submit_report(
            ReportSubmission(
                urls=["https://social.test/browser/fwd"], role="witness", phenomenon="ncii"
            )
        ).items
        page = browser_page
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        log_in(page, live_url, "alice")
        page.goto(live_url("cases:item-detail", item.id))
        page.locator("#partners a[href$='/forward']").click()
        expect(page.locator("h1")).to_have_text("Forward to a partner", timeout=TIMEOUT)
        page.select_option("select[name=partner]", str(partner.id))
        page.fill("textarea[name=reason]", "The person shown lives in the Netherlands.")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(live_url("partners:forward-list"), timeout=TIMEOUT)
        forward = Forward.objects.get()
        expect(page.locator(".forward-list")).to_contain_text(forward.reference)
        expect(page.locator(".forward-list")).to_contain_text(partner.name)

        # The worker's delivery (run here, as the worker would): the partner's answer.
        claimed = delivery.claim_forward(forward.id)
        if claimed is not None:  # a task backend that runs at once has delivered it already
            delivery.deliver_forward(claimed)
        page.reload()
        expect(page.locator(".forward-list .forward-status")).to_have_text("Received")
        expect(page.locator(".forward-list")).to_contain_text("R-PART-NER1")
        page.goto(live_url("cases:item-detail", item.id))
        expect(page.locator("#partners .forward-status")).to_have_text("Received")
    assert [c.path for c in server.calls] == ["/api/v1/referrals"]
    assert server.calls[0].json()["partner_reference"] == forward.reference
    assert not [p for p in problems if "Content Security Policy" in p]
