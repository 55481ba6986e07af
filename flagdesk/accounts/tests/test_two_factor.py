"""The second factor: set up at the first login, asked at every login, recovery codes,
re-authentication before sensitive pages, idle sessions, and the audit of it all."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import PASSWORD, totp_code
from flagdesk.accounts.models import RecoveryCode, TotpDevice, User
from flagdesk.accounts.services import twofactor
from flagdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def password_login(client, username: str, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD, **extra}
    )


def actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(target=f"user:{user.pk}").values_list("action", flat=True)
    )


def test_a_password_alone_opens_no_staff_page(client, users):
    response = password_login(client, "alice")
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))
    for route in ("cases:queue", "accounts:account", "notices:notice-list", "accounts:landing"):
        response = client.get(reverse(route))
        assert response.status_code == 302, route
        assert response["Location"].startswith(reverse("accounts:two-factor-verify")), route
    # The public pages stay open, and the API never takes a session.
    assert client.get(reverse("intake:report")).status_code == 200
    assert client.get("/api/v1/items").status_code == 401


def test_a_wrong_code_is_refused_and_audited(client, users):
    password_login(client, "alice")
    response = client.post(reverse("accounts:two-factor-verify"), {"code": "000000"})
    assert response.status_code == 200
    assert "This code is not correct" in response.content.decode()
    assert client.get(reverse("cases:queue")).status_code == 302
    assert "2fa.failed" in actions(users["analyst"])


def test_a_code_is_accepted_once(client, users):
    code = totp_code("alice")
    password_login(client, "alice")
    assert client.post(reverse("accounts:two-factor-verify"), {"code": code}).status_code == 302
    other = type(client)()
    password_login(other, "alice")
    response = other.post(reverse("accounts:two-factor-verify"), {"code": code})
    assert response.status_code == 200, "a replayed code must not open a second session"


def test_wrong_codes_slow_down(client, users):
    """django-otp's throttling: after a failure, even the right code waits 1, 2, 4... s."""
    password_login(client, "alice")
    client.post(reverse("accounts:two-factor-verify"), {"code": "111111"})
    response = client.post(reverse("accounts:two-factor-verify"), {"code": totp_code("alice")})
    assert response.status_code == 200
    device = TotpDevice.objects.get(user=users["analyst"])
    assert device.throttling_failure_count >= 1


def test_first_login_sets_up_an_authenticator_with_recovery_codes(client, users):
    newcomer = User.objects.create_user("nadia", password=PASSWORD, role="analyst")
    response = password_login(client, "nadia")
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))
    page = client.get(reverse("accounts:two-factor-setup")).content.decode()
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns' in page  # the QR code
    device = TotpDevice.objects.get(user=newcomer, confirmed=False)
    # The key shown for typing by hand is the device's secret, in groups of four.
    shown = re.search(r'aria-label="Secret key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert shown == device.secret_base32
    assert client.post(reverse("accounts:two-factor-setup"), {"code": "123456"}).status_code == 200
    # A failure makes the next try wait a second (django-otp's throttling); a while later:
    TotpDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=30)
    )
    code = f"{TOTP(device.bin_key).token():06d}"
    response = client.post(reverse("accounts:two-factor-setup"), {"code": code})
    assert response.status_code == 200
    codes = re.findall(
        r'<code class="hash">([a-z2-9]{5}-[a-z2-9]{5})</code>', response.content.decode()
    )
    assert len(codes) == 10
    assert client.get(reverse("cases:queue")).status_code == 200
    assert {"2fa.enabled", "2fa.recovery_codes_issued", "2fa.verified"} <= set(actions(newcomer))
    # Only hashes are kept.
    stored = set(
        RecoveryCode.objects.filter(device__user=newcomer).values_list("code_hash", flat=True)
    )
    assert not any(c in stored for c in codes)


def test_the_authenticator_secret_is_encrypted_in_the_database(users):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(value.startswith("fernet:") for value in stored)


def test_an_unverified_session_cannot_replace_the_authenticator(client, users):
    password_login(client, "alice")
    response = client.get(reverse("accounts:two-factor-setup"))
    assert response["Location"] == reverse("accounts:two-factor-verify")
    assert not TotpDevice.objects.filter(user=users["analyst"], confirmed=False).exists()


def test_a_recovery_code_works_once(client, users):
    alice = users["analyst"]
    codes = twofactor.new_recovery_codes(alice)
    password_login(client, "alice")
    response = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert "2fa.recovery_code_used" in actions(alice)
    again = type(client)()
    password_login(again, "alice")
    assert again.post(reverse("accounts:two-factor-verify"), {"code": codes[0]}).status_code == 200


def test_an_admin_reset_is_audited_and_asks_for_a_new_setup(client, users):
    alice = users["analyst"]
    twofactor.reset(alice, actor=users["admin"], reason="lost phone, ticket 42")
    entry = AuditEntry.objects.get(action="2fa.reset")
    assert entry.actor == users["admin"] and entry.reason == "lost phone, ticket 42"
    response = password_login(client, "alice")
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))


def test_an_idle_session_ends(client, users, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client.force_login(users["analyst"])
    assert client.get(reverse("cases:queue")).status_code == 200
    session = client.session
    session["flagdesk.last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_sensitive_pages_ask_for_the_password_and_a_code_again(client, users, settings):
    settings.REAUTH_MINUTES = 15
    erin = users["admin"]
    client.force_login(erin)
    session = client.session
    session[twofactor.AUTH_AT] = time.time() - 16 * 60
    session.save()
    target = reverse("accounts:password-change")
    response = client.get(target)
    assert (
        response["Location"] == reverse("accounts:confirm") + "?next=%2Fstaff%2Faccount%2Fpassword"
    )
    wrong = client.post(
        response["Location"], {"password": "not it", "code": totp_code("erin"), "next": target}
    )
    assert "The password or the code is not correct." in wrong.content.decode()
    right = client.post(
        response["Location"], {"password": PASSWORD, "code": totp_code("erin"), "next": target}
    )
    assert right["Location"] == target
    assert client.get(target).status_code == 200


def test_the_confirm_page_refuses_an_outside_next(client, users):
    client.force_login(users["admin"])
    response = client.post(
        reverse("accounts:confirm"),
        {"password": PASSWORD, "code": totp_code("erin"), "next": "https://evil.test/x"},
    )
    assert response.status_code == 302
    assert "evil.test" not in response["Location"]


def test_logins_and_failures_are_audited_without_the_password(client, users):
    client.post(reverse("accounts:login"), {"username": "Alice", "password": "guess-1234"})
    password_login(client, "alice")
    failed = AuditEntry.objects.get(action="login.failed")
    assert failed.target == "username:alice"
    assert "guess-1234" not in str(failed.data) + failed.reason
    assert AuditEntry.objects.filter(action="login.succeeded", actor=users["analyst"]).exists()


def test_a_session_ends_at_its_absolute_limit_however_busy(client, users, settings):
    settings.SESSION_COOKIE_AGE = 10 * 3600
    client.force_login(users["analyst"])
    session = client.session
    session["flagdesk.login_at"] = time.time() - 10 * 3600 - 60
    session["flagdesk.last_seen"] = time.time()  # active a moment ago
    session.save()
    response = client.get(reverse("cases:queue"))
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "10 hours after you logged in" in client.get(response["Location"]).content.decode()
