"""The report form's own script, in headless Chromium under the real CSP (S23).

A picture over its limit is caught before the form is sent, so the reporter keeps what they
typed; without the check the server could only refuse the upload after receiving it.
Selectors use ids and names, not visible text, except the server's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from flagdesk.intake.models import Report
from flagdesk.matching.tests.media_samples import jpeg_bytes, synthetic_image

TIMEOUT = 15_000


@pytest.fixture
def small_limit(settings: Any) -> int:
    settings.MATCHING_MAX_IMAGE_BYTES = 200 * 1024
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    return 200 * 1024


def test_a_picture_over_its_limit_is_caught_before_sending(
    browser_page: Page, live_url: Callable[..., str], small_limit: int
) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(live_url("intake:report"))
    typed = "Photos of me on a forum, posted by my ex."
    page.fill("#id_urls", "https://social.example.test/p/browser-limit")
    page.fill("#id_description", typed)
    page.check("input[name=role][value=victim]")
    big = b"\xff\xd8\xff\xe0" + bytes(small_limit * 2)
    page.set_input_files(
        "#id_media", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}]
    )
    error = page.locator("#media-size-error")
    expect(error).to_have_text("The file is too large (at most 0.2 MB).", timeout=TIMEOUT)
    page.locator("form[action$='/report'] button[type=submit]").click()
    expect(error).to_be_visible()
    assert page.url == live_url("intake:report")  # not sent: nothing lost
    assert page.input_value("#id_description") == typed
    assert not Report.objects.exists()

    small = jpeg_bytes(synthetic_image(3, (64, 64)))
    assert len(small) < small_limit
    page.set_input_files(
        "#id_media", files=[{"name": "small.jpg", "mimeType": "image/jpeg", "buffer": small}]
    )
    expect(error).to_be_hidden()
    page.locator("form[action$='/report'] button[type=submit]").click()
    expect(page).to_have_url(live_url("intake:report-done"), timeout=TIMEOUT)
    assert Report.objects.count() == 1
    assert not [p for p in problems if "Content Security Policy" in p]


def test_the_receipt_is_shown_once_in_a_real_browser_and_kept_nowhere(
    browser_page: Page, live_url: Callable[..., str], settings: Any
) -> None:
    """The SameSite=Strict, path-scoped cookie reaches the page after the redirect, once."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    page = browser_page
    page.goto(live_url("intake:report"))
    page.fill("#id_urls", "https://social.example.test/p/browser-receipt")
    page.check("input[name=role][value=witness]")
    page.locator("form[action$='/report'] button[type=submit]").click()
    expect(page).to_have_url(live_url("intake:report-done"), timeout=TIMEOUT)
    receipts = page.locator(".receipt-list .receipt")
    expect(receipts).to_have_count(2)
    reference, _code = (s.strip() for s in receipts.all_inner_texts())
    assert reference == Report.objects.get().reference
    assert [c["name"] for c in page.context.cookies()] == ["csrftoken"]  # no session, no receipt
    page.reload()
    expect(page.locator(".receipt-list")).to_have_count(0)
