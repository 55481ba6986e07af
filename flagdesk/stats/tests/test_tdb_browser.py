"""A coordinator imports a dump from the page in a real browser and reads the comparison."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import BROWSER_TIMEOUT, log_in

from .tdb_dumps import daily_zip, statement

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_imports_a_dump_and_sees_the_comparison(
    browser_page, live_url, users, notified, tmp_path
):
    notified("b1")
    path = daily_zip(
        tmp_path / "sor-global-2026-11-03-light.zip",
        [[statement(puid="b1", source_type="SOURCE_ARTICLE_16"), statement(uuid="broken")]],
    )
    page = browser_page
    log_in(page, live_url, users["coordinator"].username)
    page.goto(live_url("stats:tdb"))
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        "sor-global-2026-11-03-light.zip imported", timeout=BROWSER_TIMEOUT
    )
    expect(page.locator("#differences-title + p + .table-wrap")).to_contain_text(
        "for a notice we sent as a trusted flagger"
    )
    expect(page.get_by_text("Fewer than ours")).to_have_count(0)
