"""The report's staff page in a real browser, under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import log_in
from flagdesk.organisation.services.designations import current_organisation

from .annual_data import build_year


@pytest.mark.django_db(transaction=True)
def test_the_report_page_shows_its_charts_and_tables(users, browser_page, live_url, tmp_path):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()
    errors: list[str] = []
    browser_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(browser_page, live_url, "frank")
    browser_page.goto(live_url("stats:annual-detail", 2025))
    expect(browser_page.get_by_role("heading", name="Annual report 2025")).to_be_visible()
    expect(browser_page.get_by_role("img", name="Notices by provider")).to_be_visible()
    expect(browser_page.locator("table caption", has_text="Alpha: notices by type")).to_be_visible()
    # The chart is an image that loaded (the policy allows data: images), not a broken one.
    width = browser_page.get_by_role("img", name="Notices by provider").evaluate(
        "i => i.naturalWidth"
    )
    assert width > 100
    assert not [e for e in errors if "Content Security Policy" in e], errors
    browser_page.screenshot(path=str(tmp_path / "annual.png"), full_page=True)
