"""Failed logins lock out the account and, separately, the client's address (django-axes)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from flagdesk.accounts.services import users as accounts
from flagdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_an_account_locks_after_the_limit_even_from_many_addresses(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for n in range(5):
        attempt(client, "alice", f"wrong-{n}", address=f"192.0.2.{n + 1}")
    response = attempt(client, "alice", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert accounts.is_locked_out(users["analyst"])
    assert AuditEntry.objects.filter(action="login.locked_out").exists()
    # Another account from another address is not concerned.
    assert attempt(client, "bob", PASSWORD, address="198.51.100.8").status_code == 302


def test_an_address_locks_after_the_limit_over_many_user_names(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for n in range(5):
        attempt(client, f"guess{n}", "wrong-password")
    assert attempt(client, "bob", PASSWORD).status_code == 429
    assert attempt(client, "bob", PASSWORD, address="198.51.100.9").status_code == 302


def test_a_forged_forwarded_for_does_not_spread_the_count(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXIES = []
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess{n}", "password": "wrong-password"},
            REMOTE_ADDR="192.0.2.50",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        reverse("accounts:login"),
        {"username": "bob", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


def test_an_administrator_unlocks_an_account(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        attempt(client, "alice", f"wrong-{n}", address=f"192.0.2.{n + 1}")
    assert accounts.is_locked_out(users["analyst"])
    accounts.unlock(users["analyst"], actor=users["admin"])
    assert not accounts.is_locked_out(users["analyst"])
    assert attempt(client, "alice", PASSWORD, address="198.51.100.3").status_code == 302
