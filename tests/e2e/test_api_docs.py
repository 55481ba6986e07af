"""/api/v1/docs works without internet, from our own static files, under our CSP (Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import BROWSER_TIMEOUT as TIMEOUT


@pytest.mark.browser
def test_the_api_docs_load_everything_from_the_installation(browser_page, live_url, db):
    page = browser_page
    origin = live_url("/")[:-1]
    elsewhere: list[str] = []
    problems: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((origin, "data:")) else elsewhere.append(r.url),
    )
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    response = page.goto(live_url("/api/v1/docs"))

    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    reports = page.locator(".opblock", has_text="/api/v1/reports").first
    expect(reports).to_be_visible(timeout=TIMEOUT)
    reports.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_be_visible(timeout=TIMEOUT)
    assert elsewhere == [], f"loaded from outside the installation: {elsewhere}"
    assert problems == [], problems
