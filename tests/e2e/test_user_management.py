"""An administrator invites a colleague in a real browser; the colleague chooses a password
from the mailed link and sets up the second factor; the administrator then resets it."""

from __future__ import annotations

import base64
import re

from django_otp.oath import TOTP
from playwright.sync_api import expect

from conftest import BROWSER_TIMEOUT, log_in, log_out
from flagdesk.audit.models import AuditEntry

NEW_PASSWORD = "violet kettle orbit marsh 71"


def test_invite_choose_a_password_set_up_and_reset(browser_page, live_url, users, smtp_server):
    page = browser_page
    log_in(page, live_url, "erin")
    page.goto(live_url("accounts:user-list"))
    page.get_by_role("link", name="Invite a user").click()
    page.fill("input[name=username]", "nadia")
    page.fill("input[name=email]", "nadia@flagdesk.test")
    page.select_option("select[name=role]", "analyst")
    page.check("input[name=minors_clearance]")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text("nadia is invited", timeout=BROWSER_TIMEOUT)
    log_out(page)

    [mail] = smtp_server.wait_for(1)
    # The link names FLAGDESK_BASE_URL; the test server listens elsewhere, so keep its path.
    path = re.search(r"https?://[^/\s]+(/password/reset/\S+)", mail.get_content()).group(1)
    page.goto(live_url(path))
    page.fill("input[name=new_password1]", "password")
    page.fill("input[name=new_password2]", "password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".errorlist").first).to_be_visible(timeout=BROWSER_TIMEOUT)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="Log in").click()
    page.fill("input[name=username]", "nadia")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login/two-factor/setup"), timeout=BROWSER_TIMEOUT)
    secret = page.locator("code.hash").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{TOTP(key).token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10, timeout=BROWSER_TIMEOUT)
    log_out(page)

    log_in(page, live_url, "erin")
    page.goto(live_url("accounts:user-list"))
    page.get_by_role("link", name="nadia").click()
    expect(page.locator("main")).to_contain_text("authenticator set up, 10 recovery codes left")
    page.fill("#id_reason_factor", "New phone, ticket 7")
    page.get_by_role("button", name="Reset the second factor").click()
    expect(page.locator("ul.messages")).to_contain_text("second factor of nadia is removed")
    assert AuditEntry.objects.filter(action="2fa.reset", reason="New phone, ticket 7").exists()
