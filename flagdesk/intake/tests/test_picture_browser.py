"""A picture added "without sending it", in headless Chromium under the real CSP (S23).

Every request the page makes is inspected: none carries the picture's bytes, or any run of
them; the fingerprints the server stores are those the server computes itself from the same
file. The pictures are synthetic (``device_pictures.photo_like``), never real photos.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from flagdesk.intake.models import Report
from flagdesk.intake.tests.device_pictures import encoded, photo_like
from flagdesk.matching.media import hash_media
from flagdesk.matching.models import ItemSignal

TIMEOUT = 60_000  # an upper bound for hashing in the browser, never a speed requirement
RUN = 24  # no run of this many bytes of the picture may appear in any request


class Traffic:
    """Every request the page makes, with its body (``post_data_buffer``)."""

    def __init__(self, page: Page) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.problems: list[str] = []
        page.on("request", self._seen)
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))

    def _seen(self, request: Request) -> None:
        self.requests.append((request.method, request.url, request.post_data_buffer or b""))

    def assert_never_sent(self, picture: bytes) -> None:
        bodies = [body for _method, _url, body in self.requests]
        assert any(bodies), "no request had a body: the form was not sent"
        for body in bodies:
            assert picture not in body
            # No file was sent: the report form's upload field, left empty, is the only part
            # that names a file, and it names none.
            assert set(re.findall(rb'filename="([^"]*)"', body)) <= {b""}
            for start in range(0, len(picture) - RUN, RUN // 2):
                assert picture[start : start + RUN] not in body, f"bytes {start}.. were sent"


def png_picture(seed: int = 11) -> bytes:
    return encoded(photo_like(320, 240, seed), "PNG")


def add_picture(page: Page, data: bytes, name: str = "me.png", mime: str = "image/png") -> None:
    page.set_input_files("#picture-input", files=[{"name": name, "mimeType": mime, "buffer": data}])


@pytest.fixture
def test_hosts(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def test_find_copies_sends_only_the_fingerprints(
    browser_page: Page, live_url: Callable[..., str], test_hosts: None
) -> None:
    page = browser_page
    traffic = Traffic(page)
    picture = png_picture()
    page.goto(live_url("intake:report-picture"))
    expect(page.locator("[data-picture-tool]")).to_be_visible()
    add_picture(page, picture)
    entry = page.locator("[data-picture-list] li")
    expect(entry).to_have_count(1, timeout=TIMEOUT)
    preview = entry.locator("img")
    expect(preview).to_have_class("blurred")  # blurred until the reporter asks
    assert preview.get_attribute("src").startswith("blob:")
    entry.get_by_role("button", name="Show clearly").click()
    expect(preview).not_to_have_class("blurred")
    page.check("input[name=phenomenon][value=ncii]")
    page.check("input[name=role][value=victim]")
    page.check("input[name=bank_consent]")
    page.locator("form[action$='/report/picture'] button[type=submit]").click()
    expect(page).to_have_url(live_url("intake:report-done"), timeout=TIMEOUT)
    expect(page.locator(".receipt-list .receipt")).to_have_count(2)

    traffic.assert_never_sent(picture)
    report = Report.objects.get()
    assert not report.items.exists() and report.bank_consent_at is not None
    stored = {s.signal_type: s for s in report.signals.all()}
    server = hash_media(picture)  # what the server computes from the same file
    assert stored["pdq"].value == server.signal("pdq").value
    assert stored["pdq"].quality == server.signal("pdq").quality
    assert stored["md5"].value == hashlib.md5(picture).hexdigest()  # noqa: S324
    assert stored["sha256"].value == hashlib.sha256(picture).hexdigest()
    assert traffic.problems == []  # no CSP violation, no script error


def test_the_report_form_adds_pictures_without_sending_them(
    browser_page: Page, live_url: Callable[..., str], test_hosts: None
) -> None:
    page = browser_page
    traffic = Traffic(page)
    first, second = png_picture(12), png_picture(13)
    page.goto(live_url("intake:report"))
    page.fill("#id_urls", "https://social.example.test/p/device-browser")
    page.check("input[name=role][value=victim]")
    add_picture(page, first, "one.png")
    entries = page.locator("[data-picture-list] li")
    expect(entries).to_have_count(1, timeout=TIMEOUT)
    add_picture(page, second, "two.png")
    expect(entries).to_have_count(2, timeout=TIMEOUT)
    add_picture(page, first, "again.png")  # the same picture twice: said, not added
    error = page.locator("[data-picture-error]")
    expect(error).to_have_text("You already added this picture.", timeout=TIMEOUT)
    entries.nth(1).get_by_role("button", name="Remove this picture").click()
    expect(entries).to_have_count(1)
    page.check("input[name=bank_consent]")
    page.locator("form[action$='/report'] button[type=submit]").click()
    expect(page).to_have_url(live_url("intake:report-done"), timeout=TIMEOUT)

    traffic.assert_never_sent(first)
    traffic.assert_never_sent(second)
    report = Report.objects.get()
    assert report.bank_consent_at is not None
    [item] = report.items.all()
    device = ItemSignal.objects.filter(item=item, source=ItemSignal.Source.DEVICE)
    values = dict(device.values_list("signal_type", "value"))
    assert values["pdq"] == hash_media(first).signal("pdq").value  # the removed one is gone
    assert values["sha256"] == hashlib.sha256(first).hexdigest()
    assert device.count() == 3
    assert traffic.problems == []


def test_a_picture_the_browser_cannot_read_is_said_and_nothing_half_is_sent(
    browser_page: Page, live_url: Callable[..., str], test_hosts: None
) -> None:
    page = browser_page
    traffic = Traffic(page)
    broken = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # a PNG signature, then nonsense
    page.goto(live_url("intake:report-picture"))
    add_picture(page, broken, "broken.png")
    error = page.locator("[data-picture-error]")
    expect(error).to_have_text(
        "This file could not be read as a picture. Choose a JPEG, PNG, WebP or GIF picture.",
        timeout=TIMEOUT,
    )
    expect(page.locator("[data-picture-list] li")).to_have_count(0)
    assert page.input_value("input[name=signals]") == ""
    page.check("input[name=role][value=victim]")
    page.check("input[name=bank_consent]")
    page.locator("form[action$='/report/picture'] button[type=submit]").click()
    expect(page.locator("#id_signals_error")).to_contain_text(
        "Add at least one picture", timeout=TIMEOUT
    )
    traffic.assert_never_sent(broken)
    assert not Report.objects.exists()
    # A picture added afterwards still goes through.
    picture = png_picture(14)
    add_picture(page, picture)
    expect(page.locator("[data-picture-list] li")).to_have_count(1, timeout=TIMEOUT)
    page.check("input[name=bank_consent]")
    page.locator("form[action$='/report/picture'] button[type=submit]").click()
    expect(page).to_have_url(live_url("intake:report-done"), timeout=TIMEOUT)
    traffic.assert_never_sent(picture)
    assert Report.objects.get().signals.count() == 3


def test_without_javascript_the_page_says_why_and_the_upload_stays(
    chromium: Any, live_url: Callable[..., str], test_hosts: None
) -> None:
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_url("intake:report"))
        expect(page.locator(".picture-needs-js")).to_contain_text("needs JavaScript")
        expect(page.locator("[data-picture-tool]")).to_be_hidden()
        expect(page.locator("#id_media")).to_be_visible()
        expect(page.locator("input[name=bank_consent]")).to_be_hidden()  # no pictures, no use
        page.goto(live_url("intake:report-picture"))
        expect(page.locator(".picture-needs-js")).to_contain_text("needs JavaScript")
    finally:
        context.close()
