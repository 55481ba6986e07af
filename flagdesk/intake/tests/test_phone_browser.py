"""The phone line in headless Chromium: Dave logs in (password and authenticator code), fills
the phone form with the keyboard alone while the caller talks, and reads the reference and
receipt code out from the receipt page, which a reload no longer shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.intake.models import CallLog, Report

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


def test_dave_takes_a_call_with_the_keyboard_alone(
    browser_page: Page, live_url: Callable[..., str], users: dict
) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live_url, "dave")
    page.goto(live_url("intake:phone-report"))
    expect(page.locator("#id_language")).to_be_focused()  # ready as the phone rings
    keys = page.keyboard
    keys.type("N")  # Nederlands
    keys.press("Tab")
    keys.type("T")  # The person targeted or shown
    keys.press("Tab")  # what happened: not sure yet
    keys.press("Tab")
    keys.type("https://social.example.test/p/by-phone")
    keys.press("Tab")
    keys.type("Foto's van mij gedeeld zonder mijn toestemming.")
    keys.press("Tab")  # age band
    keys.press("Tab")  # gender
    keys.press("Tab")
    expect(page.locator("#id_has_consented")).to_be_focused()
    keys.press("Space")
    keys.press("Tab")
    keys.type("Noor Fictief")
    keys.press("Tab")
    keys.type("noor@mail.example.test")
    keys.press("Tab")  # no phone number
    keys.press("Tab")
    expect(page.locator("#id_mail_receipt")).to_be_focused()
    keys.press("Space")
    keys.press("Tab")  # the call started now: prefilled
    keys.press("Tab")
    keys.type("9")
    keys.press("Tab")
    keys.type("Calm caller, wants to be called back on Monday.")
    keys.press("Tab")
    keys.press("Enter")

    expect(page).to_have_url(live_url("intake:phone-receipt"), timeout=TIMEOUT)
    report = Report.objects.get()
    assert report.channel == Report.Channel.PHONE
    assert (report.language, report.role, report.reporter_name) == ("nl", "victim", "Noor Fictief")
    assert report.mails.get().status == "queued"  # the worker (not running here) sends it
    call = CallLog.objects.get()
    assert call.officer == users["intake"] and call.duration_minutes == 9
    expect(page.locator("#phone-reference")).to_have_text(report.reference)
    code = page.locator("#phone-receipt-code").inner_text().strip()
    assert len(code) == 19 and code.count("-") == 3
    # Spelled out in the caller's language (the reference starts with R).
    expect(page.locator(".phone-receipt")).to_contain_text("R van Richard")
    page.reload()
    expect(page.locator("#phone-receipt-code")).to_have_count(0)
    assert code not in page.content()
    page.locator("#new-call").click()
    expect(page.locator("#id_language")).to_be_focused()
    assert not [p for p in problems if "Content Security Policy" in p]
