"""The dashboard in headless Chromium, for a coordinator and an auditor: it renders its
charts and tables without overflowing the page, and axe-core finds no WCAG A/AA violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import log_in
from tests.site.test_accessibility import axe_violations, describe

from .dataset import build

pytestmark = pytest.mark.browser

PERIOD = "?from=2026-01-01&to=2026-06-30"
# Where the screenshots go (a reviewer looks at them); a temporary directory by default.
SHOTS = os.environ.get("FLAGDESK_SCREENSHOT_DIR", "")


@pytest.mark.parametrize("persona", ["carol", "frank"])
def test_dashboard_in_a_browser(browser_page, live_url, users, tmp_path, persona):
    build(users["coordinator"])
    page = browser_page
    log_in(page, live_url, persona)
    page.goto(live_url("stats:dashboard") + PERIOD)
    expect(page.locator("h1")).to_have_text("Statistics")
    expect(page.locator("figure.stats-chart svg")).to_have_count(17)
    # Nothing is wider than the page: charts scale down, wide tables scroll in their box.
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    target = Path(SHOTS) if SHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"dashboard-{persona}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    # The menu leads there.
    expect(page.locator("nav.topnav a", has_text="Statistics")).to_have_attribute(
        "aria-current", "page"
    )
