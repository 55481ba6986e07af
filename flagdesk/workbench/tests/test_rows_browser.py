"""The workbench's rows stay one line high at 1280 px in English and French: long addresses
end in an ellipsis (the whole one in the title), due and age never wrap."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.cases.tests.factories import reported_item

# Each row's height against two lines of its own text: one line fits, two do not.
ROW_LINES = """rows => rows.map(row => {
  const cell = row.querySelector('td.url');
  const style = getComputedStyle(cell);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  return (row.getBoundingClientRect().height - padding) / line;
})"""


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
def test_rows_are_one_line_high(
    browser_page: Page, live_url: Callable[..., str], users, language: str
) -> None:
    long = "https://social.test/a/very/long/path/" + "segment-" * 12 + "end?utm=1"
    items = [reported_item(f"{long}{n}") for n in range(3)]
    page = browser_page
    log_in(page, live_url, "alice")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url("/")}]
    )
    page.goto(live_url("workbench:queue"))
    rows = page.locator("tr.wb-row")
    expect(rows).to_have_count(3)
    assert page.locator("html").get_attribute("lang") == language
    link = page.locator(f"tr[data-id='{items[0].id}'] td.url a")
    assert link.get_attribute("title") == items[0].url
    assert link.inner_text().startswith("social.test/a/very")
    shots = os.environ.get("FLAGDESK_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"workbench-{language}.png"), full_page=True)
    lines = rows.evaluate_all(ROW_LINES)
    assert all(n < 1.9 for n in lines), lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
