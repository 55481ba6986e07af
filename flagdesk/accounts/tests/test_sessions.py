"""Ending sessions everywhere, and mail when how someone signs in changes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from flagdesk.accounts.models import TotpDevice
from flagdesk.accounts.services import twofactor
from flagdesk.accounts.services.sessions import end_sessions
from flagdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:account")).status_code == 200
    return client


def test_an_administrator_signs_a_user_out_everywhere(client, users):
    alice = users["analyst"]
    laptop = signed_in(type(client)(), alice)
    phone = signed_in(type(client)(), alice)
    client.force_login(users["admin"])
    url = reverse("accounts:user-end-sessions", args=[alice.pk])
    client.post(url, {"reason": ""})
    assert laptop.get(reverse("cases:queue")).status_code == 200  # no reason, nothing done
    client.post(url, {"reason": "laptop stolen"})
    for session in (laptop, phone):
        response = session.get(reverse("cases:queue"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert AuditEntry.objects.get(action="user.sessions_ended").reason == "laptop stolen"
    # A new login works as usual.
    assert signed_in(type(client)(), alice)


def test_a_user_signs_out_their_other_sessions_and_keeps_this_one(client, users):
    alice = users["analyst"]
    other = signed_in(type(client)(), alice)
    signed_in(client, alice)
    assert client.post(reverse("accounts:end-other-sessions")).status_code == 302
    assert client.get(reverse("cases:queue")).status_code == 200
    assert other.get(reverse("cases:queue")).status_code == 302


def test_a_second_factor_reset_ends_sessions_so_none_can_set_up_the_new_one(client, users):
    alice = users["analyst"]
    old = signed_in(type(client)(), alice)
    twofactor.reset(alice, actor=users["admin"], reason="lost phone")
    response = old.get(reverse("accounts:two-factor-setup"))
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not TotpDevice.objects.filter(user=alice).exists()


def test_deactivation_ends_sessions(client, users):
    from flagdesk.accounts.services.users import set_active

    alice = users["analyst"]
    old = signed_in(type(client)(), alice)
    set_active(alice, active=False, actor=users["admin"], reason="left the organisation")
    assert old.get(reverse("cases:queue")).status_code == 302


def test_users_are_told_by_mail_when_their_sign_in_changes(
    client, users, smtp_server, django_capture_on_commit_callbacks
):
    alice = users["analyst"]
    with django_capture_on_commit_callbacks(execute=True):
        twofactor.reset(alice, actor=users["admin"], reason="lost phone")
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == alice.email
    assert "second factor" in mail.get_content()


def test_an_administrator_mails_a_reset_link_but_never_sets_the_password(
    client, users, smtp_server, django_capture_on_commit_callbacks
):
    alice = users["analyst"]
    client.force_login(users["admin"])
    before = alice.password
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:user-password-link", args=[alice.pk]))
    [mail] = smtp_server.wait_for(1)
    assert re.search(r"/password/reset/\S+", mail.get_content())
    alice.refresh_from_db()
    assert alice.password == before
    assert AuditEntry.objects.filter(action="user.password_link_sent").exists()


def test_end_sessions_is_audited_with_its_actor(users):
    end_sessions(users["analyst"], actor=users["admin"], reason="audit")
    entry = AuditEntry.objects.get(action="user.sessions_ended")
    assert entry.actor == users["admin"]
