"""Pages that ask for the password and a code again when the last ones are old (ASVS 5.0
7.5.1, 7.5.3): every export, and the pages of access changes. One list, checked here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.accounts.services.twofactor import AUTH_AT
from flagdesk.matching.services.banks import create_bank

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("route", "role"),
    [
        ("matching:bank-export", "coordinator"),
        ("platforms:platform-export", "coordinator"),
        ("audit:entry-export", "auditor"),
        ("accounts:password-change", "analyst"),
    ],
)
def test_a_stale_login_is_asked_again_before_an_export(client, users, route, role):
    bank = create_bank(actor=users["coordinator"], name="Fresh login bank")
    url = reverse(route, args=[bank.slug]) if route == "matching:bank-export" else reverse(route)
    client.force_login(users[role])
    assert client.get(url).status_code == 200
    session = client.session
    session[AUTH_AT] = 0
    session.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:confirm"))
