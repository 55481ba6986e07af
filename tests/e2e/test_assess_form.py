"""The assessment form's helpers in headless Chromium: a basis listed under several
phenomena is one choice, and bases not in force on the date of the facts are dimmed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.cases.tests.factories import reported_item


@pytest.mark.browser
def test_copies_of_a_basis_tick_together_and_ended_bases_dim(
    browser_page: Page, live_url: Callable[..., str], users
) -> None:
    item = reported_item()
    page = browser_page
    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-assess", item_id=item.id))
    copies = page.locator("input[name=legal_bases][value='BE-CC-417/9']")
    assert copies.count() >= 2  # ncii, sextortion, ...
    page.locator("details.legal-group").evaluate_all("els => els.forEach(e => e.open = true)")
    copies.first.check()
    for i in range(copies.count()):
        expect(copies.nth(i)).to_be_checked()
    old = page.locator("label:has(input[value='BE-CC-371/1'])").first  # ended 2022-05-31
    page.fill("input[name=facts_on]", "2025-11-03")
    expect(old).to_have_class("choice not-in-force")
    page.fill("input[name=facts_on]", "2021-03-01")
    expect(old).not_to_have_class("choice not-in-force")
    new = page.locator("label:has(input[value='BE-CC-417/9'])").first  # from 2022-06-01
    expect(new).to_have_class("choice not-in-force")
