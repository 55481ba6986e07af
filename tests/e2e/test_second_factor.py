"""The first login of a new colleague in a real browser: the QR code is drawn, the code from
the app is accepted, the recovery codes are shown once, and the staff pages open."""

from __future__ import annotations

import base64
import re

from django_otp.oath import TOTP
from playwright.sync_api import expect

from conftest import BROWSER_TIMEOUT, PASSWORD
from flagdesk.accounts.models import User


def test_first_login_sets_up_the_authenticator_in_the_browser(browser_page, live_url, users):
    User.objects.create_user("nadia", password=PASSWORD, role="analyst")
    page = browser_page
    page.goto(live_url("accounts:login"))
    page.fill("input[name=username]", "nadia")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login/two-factor/setup"), timeout=BROWSER_TIMEOUT)
    qr = page.locator("main img")
    expect(qr).to_be_visible()
    # The browser really draws it (a data: SVG without its namespace shows nothing).
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("code.hash").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{TOTP(key).token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10, timeout=BROWSER_TIMEOUT)
    page.locator("main a.button").last.click()
    expect(page).to_have_url(re.compile(r"/staff/workbench/$"), timeout=BROWSER_TIMEOUT)
    expect(page.locator(".whoami")).to_contain_text("nadia")
