"""Staff login and logout: argon2 in production, a generic failure message, a rate limit."""

from __future__ import annotations

import importlib
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def test_production_settings_hash_passwords_with_argon2():
    production = importlib.import_module("flagdesk.settings")
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_login_with_an_argon2_hash(client, users, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    alice = users["analyst"]
    alice.password = make_password(PASSWORD)
    alice.save()
    assert identify_hasher(alice.password).algorithm == "argon2"
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    # The password alone opens nothing: the second factor comes next.
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))
    response = client.post(response["Location"], {"code": totp_code("alice")})
    assert response["Location"] == reverse("workbench:queue")
    assert client.get(reverse("cases:queue")).status_code == 200


def test_login_page_renders(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong password"), ("nobody", PASSWORD)]
)
def test_failed_login_shows_one_generic_message(client, users, username, password):
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_user_gets_the_same_message(client, users):
    users["analyst"].is_active = False
    users["analyst"].save()
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert "The username or password is not correct." in response.content.decode()


def test_login_is_rate_limited(client, users, settings):
    settings.PUBLIC_RATE_LIMIT = "30/h"
    for _ in range(10):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_follows_next_through_the_second_factor(client, users):
    target = reverse("cases:review-queue")
    response = client.post(
        reverse("accounts:login") + f"?next={target}",
        {"username": "bob", "password": PASSWORD, "next": target},
    )
    assert (
        response["Location"]
        == reverse("accounts:two-factor-verify") + f"?next={quote(target, safe='')}"
    )
    response = client.post(response["Location"], {"code": totp_code("bob"), "next": target})
    assert response["Location"] == target


def test_logout_is_a_post(client, users):
    client.force_login(users["analyst"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("cases:queue")).status_code == 302
