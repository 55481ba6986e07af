"""An intake officer imports a CSV in headless Chromium under the real CSP (S23): upload,
preview with a per-row error, confirm, summary; and a long import's progress script.

Selectors use ids and names, not visible text, except the server's own messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.cases.models import Item
from flagdesk.intake.imports import services
from flagdesk.intake.imports.services import preview_import, run_import, start_import
from flagdesk.intake.models import Import

from .import_files import csv_bytes, many_rows

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


@pytest.fixture(autouse=True)
def _test_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def test_an_officer_previews_confirms_and_sees_the_summary(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, Any]
) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live_url, "dave")
    page.goto(live_url("intake:import"))
    data = csv_bytes(
        [
            ["Lien", "Description"],
            ["https://social.test/browser/1", "Zoë's photo, reposted"],
            ["mailto:someone@social.test", ""],
            ["https://social.test/browser/1", ""],
        ],
        encoding="cp1252",
        delimiter=";",
    )
    page.set_input_files(
        "#id_file", files=[{"name": "liens.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.select_option("#id_phenomenon", "ncii")
    page.locator("form[action$='/staff/import/'] button[type=submit]").click()

    expect(page.locator("#import-confirm")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#import-summary")).to_contain_text("Windows-1252")
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-error")).to_have_text("1")
    error_row = page.locator("#import-rows tr.outcome-error")
    expect(error_row).to_contain_text("3")  # the spreadsheet's row number
    expect(error_row).to_contain_text("http:// or https://")
    expect(page.locator("#import-rows tr.outcome-duplicate")).to_contain_text("row 2")
    assert not Item.objects.exists()  # nothing until confirmed

    page.locator("#import-confirm").click()
    expect(page.locator("#import-done")).to_be_visible(timeout=TIMEOUT)
    batch = Import.objects.get()
    expect(page.locator("#import-done")).to_contain_text(batch.report.reference)
    assert Item.objects.get().phenomenon == "ncii"
    page.goto(live_url("intake:import"))
    expect(page.locator("main table")).to_contain_text("liens.csv")
    assert not problems, problems


def test_the_progress_script_follows_a_long_import(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, Any], monkeypatch
) -> None:
    """The page of an import under way polls its progress and shows the summary at the end;
    here the test plays the worker, one chunk at a time."""
    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    monkeypatch.setattr(services, "CHUNK_ROWS", 10)
    preview = preview_import(csv_bytes(many_rows(30)), "long.csv", actor=users["intake"])
    batch = start_import(preview.batch, actor=users["intake"])
    assert batch.status == Import.Status.IMPORTING
    run_import(batch.pk, max_chunks=1)
    page = browser_page
    log_in(page, live_url, "dave")
    page.goto(live_url("intake:import-detail", import_id=batch.pk))
    expect(page.locator("#import-progress progress")).to_have_attribute("value", "10")
    expect(page.locator("#import-reload")).to_be_visible()  # the no-JavaScript way
    run_import(batch.pk, max_chunks=1)
    expect(page.locator("#import-progress-text")).to_have_text("20 / 30", timeout=TIMEOUT)
    run_import(batch.pk)
    expect(page.locator("#import-done")).to_be_visible(timeout=TIMEOUT)
