"""Administrators manage accounts: invite by mail, change access, deactivate, reset a second
factor, unlock, issue tokens; password reset by mail."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from flagdesk.accounts.models import ApiToken, TotpDevice, User
from flagdesk.accounts.services import issue_token
from flagdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "violet kettle orbit marsh 71"


def test_only_administrators_open_user_management(client, users):
    for role in ("analyst", "coordinator", "auditor"):
        client.force_login(users[role])
        assert client.get(reverse("accounts:user-list")).status_code == 403
    client.force_login(users["admin"])
    page = client.get(reverse("accounts:user-list")).content.decode()
    assert "alice" in page and "Invite a user" in page


def test_an_invitation_mails_a_link_to_choose_a_password(
    client, users, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user-invite"),
            {
                "username": "nadia",
                "email": "nadia@flagdesk.test",
                "role": "analyst",
                "minors_clearance": "on",
                "language": "fr",
            },
        )
    nadia = User.objects.get(username="nadia")
    assert response["Location"] == reverse("accounts:user-detail", args=[nadia.pk])
    assert not nadia.has_usable_password() and nadia.minors_clearance
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "nadia@flagdesk.test"
    body = mail.get_content()
    assert "Choose your password" not in body  # in the invitation's language, French
    link = re.search(r"https?://\S+/password/reset/\S+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = type(client)()
    page = anonymous.get("/" + path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else "/" + path
    weak = anonymous.post(
        form_url, {"new_password1": "password123", "new_password2": "password123"}
    )
    assert "too easy to guess" in weak.content.decode() or "too common" in weak.content.decode()
    done = anonymous.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert done["Location"] == reverse("accounts:password-reset-complete")
    nadia.refresh_from_db()
    assert nadia.check_password(STRONG)
    assert {"user.created", "user.invited", "password.reset"} <= set(
        AuditEntry.objects.filter(target=f"user:{nadia.pk}").values_list("action", flat=True)
    )


def test_changing_access_needs_a_reason_and_is_audited(client, users):
    client.force_login(users["admin"])
    alice = users["analyst"]
    url = reverse("accounts:user-access", args=[alice.pk])
    client.post(url, {"role": "reviewer", "reason": ""})
    alice.refresh_from_db()
    assert alice.role == "analyst"
    client.post(url, {"role": "reviewer", "reason": "moves to the equality team"})
    alice.refresh_from_db()
    assert alice.role == "reviewer" and not alice.minors_clearance
    entry = AuditEntry.objects.get(action="user.access_changed")
    assert entry.data == {
        "before": {"role": "analyst", "minors_clearance": True},
        "after": {"role": "reviewer", "minors_clearance": False},
    }


def test_an_administrator_cannot_change_their_own_access(client, users):
    erin = users["admin"]
    client.force_login(erin)
    client.post(
        reverse("accounts:user-access", args=[erin.pk]), {"role": "coordinator", "reason": "x"}
    )
    erin.refresh_from_db()
    assert erin.role == "admin"


def test_deactivation_ends_sessions_and_tokens(client, users):
    alice = users["analyst"]
    token = issue_token(alice)
    session = type(client)()
    session.force_login(alice)
    assert session.get(reverse("cases:queue")).status_code == 200
    client.force_login(users["admin"])
    client.post(reverse("accounts:user-active", args=[alice.pk]), {"active": "0", "reason": "left"})
    assert session.get(reverse("cases:queue")).status_code == 302
    assert (
        client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_resetting_a_second_factor(client, users):
    alice = users["analyst"]
    client.force_login(users["admin"])
    url = reverse("accounts:user-reset-factor", args=[alice.pk])
    client.post(url, {"reason": ""})
    assert TotpDevice.objects.filter(user=alice).exists()
    client.post(url, {"reason": "new phone"})
    assert not TotpDevice.objects.filter(user=alice).exists()


def test_issuing_a_token_shows_it_once(client, users):
    pat = users["partner"]
    client.force_login(users["admin"])
    response = client.post(
        reverse("accounts:user-token-issue", args=[pat.pk]),
        {"name": "partner server", "scope": "partner", "expires_days": "90"},
    )
    token = re.search(r"fdk_[A-Za-z0-9_-]+", response.content.decode()).group(0)
    row = ApiToken.objects.get(user=pat)
    assert row.token_hash == ApiToken.hash(token) and row.scope == "partner"
    assert token not in client.get(reverse("accounts:user-detail", args=[pat.pk])).content.decode()


def test_password_reset_answers_the_same_for_unknown_addresses(
    client, users, smtp_server, settings
):
    for email in ("alice@flagdesk.test", "nobody@flagdesk.test"):
        response = client.post(reverse("accounts:password-reset"), {"email": email})
        assert response["Location"] == reverse("accounts:password-reset-done")
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "alice@flagdesk.test"
    # The link is built on BASE_URL, never on the request's Host header.
    assert f"{settings.BASE_URL.rstrip('/')}/password/reset/" in mail.get_content()


def test_password_change_checks_strength_and_the_old_password(client, users):
    client.force_login(users["analyst"])
    url = reverse("accounts:password-change")
    bad = client.post(
        url, {"old_password": "nope", "new_password1": STRONG, "new_password2": STRONG}
    )
    assert bad.status_code == 200
    similar = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "alice@flagdesk",
            "new_password2": "alice@flagdesk",
        },
    )
    assert similar.status_code == 200
    good = client.post(
        url, {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
    )
    assert good["Location"] == reverse("accounts:account")


def test_an_invitation_with_the_mail_server_down_keeps_the_account_and_says_so(
    client, users, settings
):
    from conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    client.force_login(users["admin"])
    response = client.post(
        reverse("accounts:user-invite"),
        {"username": "omar", "email": "omar@flagdesk.test", "role": "intake", "language": "en"},
        follow=True,
    )
    omar = User.objects.get(username="omar")
    assert response.redirect_chain[-1][0] == reverse("accounts:user-detail", args=[omar.pk])
    page = response.content.decode()
    assert "omar is created, but the invitation did not leave" in page
    assert "Mail a link to choose a new password" in page
    assert AuditEntry.objects.filter(action="user.invited", target=f"user:{omar.pk}").exists()
